"""What the tests share, one module per kind of thing (loaded from tests/conftest.py as plugins):

resolver    — the fake DNS every test that needs names to resolve goes through
personas    — the workspaces and people of the permission matrix, and the superuser
connections — the one way a test makes a connection
"""
