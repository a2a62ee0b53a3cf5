"""Unit tests in mock mode: tools and secrets come from tests/mock.json, kv from memory."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
os.environ["MARINA_MOCK"] = os.path.join(HERE, "mock.json")

import app as under_test  # noqa: E402  (after MARINA_MOCK is set)


class HelloTest(unittest.TestCase):
    def test_hello_greets_and_counts(self):
        first = under_test.app.call_tool("hello", {"name": "Ada"})
        second = under_test.app.call_tool("hello", {"name": "Grace"})
        self.assertEqual(first, {"greeting": "Hello, Ada!", "count": 1})
        self.assertEqual(second["count"], 2)


if __name__ == "__main__":
    unittest.main()
