"""Board pages, Edit mode, and the Action button's click and status endpoints."""
