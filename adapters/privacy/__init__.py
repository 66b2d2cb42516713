"""Shopify's mandatory privacy (compliance) webhooks: data requests, customer and shop redaction.

`webhooks` acts on the three topics, `redaction` does the SQL, `scrub` says field by field what
personal data is, `export` gathers a data request's answer, `commands` is `routing-engine privacy`.
"""
