"""Reading an invoice's text: its number, vendor, total, currency and a first guess at its category.

Plain functions without the SDK or the platform, so that they are easy to test on their own.
"""
import hashlib
import re
from decimal import Decimal, InvalidOperation

CURRENCIES = {"€": "EUR", "$": "USD", "£": "GBP", "EUR": "EUR", "USD": "USD", "GBP": "GBP", "CHF": "CHF"}
_CURRENCY = r"(EUR|USD|GBP|CHF|€|\$|£)"
_MONEY = re.compile(_CURRENCY + r"?\s*(\d(?:[\d.,']*\d)?)\s*" + _CURRENCY + r"?")
_TOTAL_LINE = re.compile(r"\b(grand total|total due|amount due|balance due|total)\b", re.IGNORECASE)
_TAX_LINE = re.compile(r"\b(vat|tax|mwst)\b", re.IGNORECASE)
_VENDOR_LINE = re.compile(r"^\s*(?:from|vendor|supplier|seller|bill from)\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_INVOICE_NUMBER = re.compile(r"\binvoice\s*(?:no\.?|number|#)\s*:?\s*([A-Za-z0-9][A-Za-z0-9./-]{0,62})", re.IGNORECASE)

# Words that point at a category when the vendor directory does not know the vendor.
CATEGORY_WORDS = {
    "software": ["licence", "license", "subscription", "saas", "hosting", "cloud", "seats"],
    "office_supplies": ["paper", "toner", "stationery", "pens", "printer", "desk"],
    "travel": ["flight", "hotel", "taxi", "train", "airfare", "mileage"],
    "utilities": ["electricity", "water", "gas", "internet", "phone line"],
    "professional_services": ["consulting", "legal", "audit", "hours", "advisory"],
}


def parse_number(text):
    """A Decimal from '1,234.50', '1.234,50', '1 234', '99' (the last separator followed by two
    digits is the decimal one); None when it is not a number."""
    text = text.replace("'", "").replace(" ", "")
    last = max(text.rfind(","), text.rfind("."))
    if last >= 0 and len(text) - last - 1 == 2:
        text = re.sub(r"[.,]", "", text[:last]) + "." + text[last + 1:]
    else:
        text = re.sub(r"[.,]", "", text)
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _money_in(line):
    """(amount, currency or None) of the last amount on a line, or None."""
    found = None
    for match in _MONEY.finditer(line):
        amount = parse_number(match.group(2))
        if amount is not None:
            symbol = match.group(1) or match.group(3)
            found = (amount, CURRENCIES.get(symbol) if symbol else None)
    return found


def total(text):
    """(amount, currency): from the last total line that is not about tax, else the largest amount
    written with a currency; (None, None) when there is none."""
    lines = text.splitlines()
    for candidates in ([l for l in lines if _TOTAL_LINE.search(l) and not _TAX_LINE.search(l)],
                       [l for l in lines if _TOTAL_LINE.search(l)]):
        for line in reversed(candidates):
            money = _money_in(line[_TOTAL_LINE.search(line).end():])
            if money:
                amount, currency = money
                return amount, currency or currency_of(text)
    priced = [m for m in _MONEY.finditer(text) if m.group(1) or m.group(3)]
    amounts = [(parse_number(m.group(2)), CURRENCIES[m.group(1) or m.group(3)]) for m in priced]
    amounts = [a for a in amounts if a[0] is not None]
    return max(amounts, key=lambda a: a[0]) if amounts else (None, None)


def currency_of(text):
    for symbol, code in CURRENCIES.items():
        if symbol in text:
            return code
    return None


def vendor_name(text):
    """The vendor: a 'From:'/'Vendor:'/'Supplier:' line, else the first line that is not the title."""
    match = _VENDOR_LINE.search(text)
    if match:
        return match.group(1)[:120]
    for line in text.splitlines():
        line = line.strip()
        if line and not line.lower().startswith(("invoice", "bill", "receipt")):
            return line[:120]
    return None


def invoice_number(text):
    """The invoice's own number, else a stable id made from its text (so triaging the same text
    twice stores one invoice, not two)."""
    match = _INVOICE_NUMBER.search(text)
    if match:
        return match.group(1).rstrip(".")
    return "txt-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def guess_category(text):
    lowered = text.lower()
    scores = {category: sum(lowered.count(word) for word in words) for category, words in CATEGORY_WORDS.items()}
    best = max(scores, key=lambda c: scores[c])
    return best if scores[best] > 0 else "other"


def read_invoice(text):
    """Everything the text alone says: {invoice_id, vendor, amount, currency, category}."""
    amount, currency = total(text)
    return {
        "invoice_id": invoice_number(text),
        "vendor": vendor_name(text),
        "amount": float(amount.quantize(Decimal("0.01"))) if amount is not None else None,
        "currency": currency,
        "category": guess_category(text),
    }
