"""Interchange format v1 (../shared/spec/interchange-v1.md): the product's edge for import and export."""
