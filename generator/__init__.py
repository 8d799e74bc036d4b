"""Village service guides: catalogue → checked → planned → rendered → built → published."""

__version__ = "0.1.0"
