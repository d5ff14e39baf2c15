"""The embedded default cache (no REDIS_URL): Django's file cache, with `add`, `incr` and `decr`
atomic across the threads and processes sharing the directory.

Rate limits, failed-login throttles, the 2FA hourly caps and the periodic tasks' locks all count or
claim with `add` and `incr`. Django's file cache does each as a read then a write, so several web
processes lost each other's counts (150 of 150 calls passed a limit of 60 a minute). Here each of
those holds an exclusive lock on one of LOCK_STRIPES small files (chosen by the key) for its read
and write, and `incr` keeps the key's expiry (Django's resets it to the default timeout, so an
hourly counter vanished after five minutes), as Redis does.
"""

import os
import pickle
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks
from django.core.files.move import file_move_safe

LOCK_STRIPES = 64


class AtomicFileBasedCache(FileBasedCache):
    @contextmanager
    def _locked(self, fname: str) -> Iterator[None]:
        self._createdir()
        stripe = int(os.path.basename(fname)[:8], 16) % LOCK_STRIPES
        with open(os.path.join(self._dir, f"stripe-{stripe:02d}.lock"), "ab") as lock_file:
            locks.lock(lock_file, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock_file)

    def add(self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._locked(self._key_to_file(key, version)):
            return super().add(key, value, timeout, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        fname = self._key_to_file(key, version)
        with self._locked(fname):
            try:
                with open(fname, "rb") as f:
                    expiry = pickle.load(f)  # noqa: S301 (our own cache directory, as Django reads it)
                    value = pickle.loads(zlib.decompress(f.read()))  # noqa: S301
            except (FileNotFoundError, EOFError):
                expiry, value = 0, None
            if expiry is not None and expiry < time.time():
                self._delete(fname)
                raise ValueError(f"Key '{key}' not found")
            value += delta
            self._replace(fname, expiry, value)
            return value

    def decr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self.incr(key, -delta, version)

    def _replace(self, fname: str, expiry: float | None, value: Any) -> None:
        """Write `value` with the expiry it had, through a temporary file (readers never see half)."""
        fd, tmp_path = tempfile.mkstemp(dir=self._dir)
        try:
            with open(fd, "wb") as f:
                f.write(pickle.dumps(expiry, self.pickle_protocol))
                f.write(zlib.compress(pickle.dumps(value, self.pickle_protocol)))
            file_move_safe(tmp_path, fname, allow_overwrite=True)
        except BaseException:
            if os.path.exists(tmp_path):
                os.remove(tmp_path)
            raise
