"""The machinery commands run on: assistant, router and registry, flows, context, forms, parsers."""
