"""Patron's tooling: the `patron` command (patron_tools.cli), the local cloud (patron_tools.local), the
generated documents and the deploy helpers. It may import the runtime (`patron`); the runtime never imports
it, and `sam build` never packages it (it lives outside the functions' CodeUri, src/)."""
