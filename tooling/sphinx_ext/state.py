"""The catalogue of the build in progress, kept beside (not inside) the pickled environment."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sphinx.environment import BuildEnvironment

from ..catalog import Catalog

_CATALOGS: WeakKeyDictionary[BuildEnvironment, Catalog] = WeakKeyDictionary()


def set_catalog(env: BuildEnvironment, catalog: Catalog) -> None:
    _CATALOGS[env] = catalog


def catalog_of(env: BuildEnvironment) -> Catalog:
    return _CATALOGS[env]
