"""What a user does, one function each, below both surfaces.

The CLI (``beltgraph``) and the web app (pages and their ``/api`` twins) parse their
input, call one of these with the store and the settings (a :class:`graph.config.Config`),
and render the typed result's ``to_dict()``. Nothing here knows about click, Flask or a
driver: a store (graph.store.Store) gives the data, or answers in its server where it
can (rank metrics, shortest paths), and the shared algorithms of graph/ do the rest.

One module per family of use cases; each is re-exported here, so callers write
``usecases.rank(store, config, ...)``.
"""

from .browse import *  # noqa: F401,F403
from .connections import *  # noqa: F401,F403
from .counts import *  # noqa: F401,F403
from .match_parts import *  # noqa: F401,F403
from .history import *  # noqa: F401,F403
from .explore import *  # noqa: F401,F403
from .programs import *  # noqa: F401,F403
from .profiles import *  # noqa: F401,F403
from .ranking import *  # noqa: F401,F403
from .reviews import *  # noqa: F401,F403
from .sync import *  # noqa: F401,F403
from .exports import *  # noqa: F401,F403
