"""hello-python's tools and events written with the Python SDK (marina_sdk), for the contract suite."""
from marina_sdk import App

app = App("marina.app.json")


@app.tool("greet")
def greet(ctx, args):
    return {"greeting": "Hello, %s!" % args["name"]}


@app.on("install")
def installed(ctx, event):
    ctx.log.info("installed in %s", ctx.tenant)


@app.on("uninstall")
def uninstalled(ctx, event):
    ctx.log.info("uninstalled from %s", ctx.tenant)


if __name__ == "__main__":
    app.run()
