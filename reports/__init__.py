"""The read side: statements and exports built from the journal. Never writes to it."""
