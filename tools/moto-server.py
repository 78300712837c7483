"""moto's server, as `python3 -m moto.server` runs it, with jsonpath_ng's parse memoised.

jsonpath_ng.ext.parse() builds a fresh PLY parser, tables and all, on every call (~13 ms
of CPU under the GIL). moto's EventBridge calls it 8 times for every rule target an event
reaches, so one orgvend round trip (about 11 deliveries) cost 1.5-2 s, and concurrent
requests queued behind each other. A parsed path is an immutable expression tree, so
caching it by its text changes only the time; parse errors are not cached.
"""
import functools
import sys

import jsonpath_ng.ext

jsonpath_ng.ext.parse = functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.parse)

from moto.server import main  # noqa: E402  (after the patch: moto imports parse per call)

if __name__ == "__main__":
    main(sys.argv[1:])
