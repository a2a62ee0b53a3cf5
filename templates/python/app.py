"""{{slug}}: a Marina app. The SDK serves the HTTP contract (health, manifest, invocation tokens,
error shapes, idempotent events); this file says what the tools and events do."""
import os

from marina_sdk import App

HERE = os.path.dirname(os.path.abspath(__file__))
app = App(os.path.join(HERE, "marina.app.yaml"))


@app.tool("hello")
def hello(ctx, args):
    # The count lives in the platform's kv store: per tenant, kept across restarts.
    count = (ctx.kv.get("greetings") or 0) + 1
    ctx.kv.set("greetings", count)
    return {"greeting": f"Hello, {args['name']}!", "count": count}


@app.on_install
def installed(ctx, event):
    ctx.logger.info("installed for %s", ctx.tenant)


if __name__ == "__main__":
    app.run()
