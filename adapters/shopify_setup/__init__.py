"""Installing routing-engine as a Shopify app: the topics it handles, the scopes it needs, and the
`routing-engine shopify subscribe` / `doctor` commands that set up and check each store."""
