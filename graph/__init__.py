"""BeltGraph's model, store and use cases (see graph/usecases for what users can do)."""

import importlib.util
import sys

# pyarrow tries ``import dateutil.relativedelta`` each time it converts a Python value (every
# pyarrow.compute call with a plain argument); without python-dateutil installed, each failed
# try searched sys.path again: ~0.75 ms of a 3.8 ms search request. A missing module is
# recorded as missing once, which makes the next try fail at once, as it would anyway.
if "dateutil" not in sys.modules and importlib.util.find_spec("dateutil") is None:
    sys.modules.setdefault("dateutil", None)
    sys.modules.setdefault("dateutil.relativedelta", None)
