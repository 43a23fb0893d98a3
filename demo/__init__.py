"""The demo data, seeded from one place above every other app: `manage.py seed_demo`.

One module per app (`demo.accounts`, `demo.members`, `demo.placements`, ...), each building on
the ones below it, as the apps themselves do. No production module imports this package.
"""
