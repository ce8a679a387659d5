"""auditor: is the marketing-automation platform earning its cost?"""

# The one place the version is written: the build reads it from here
# (pyproject.toml [tool.hatch.version]); reading it back through importlib.metadata
# cost every command about 25 ms at start-up.
__version__ = "0.1.0"

__all__ = ["__version__"]
