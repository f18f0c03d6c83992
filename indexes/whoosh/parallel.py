"""Whoosh's multiprocessing writer, made safe to commit and to cancel.

Whoosh's ``MpWriter`` hands documents to writer processes through job files; with
``multisegment`` each process writes a segment of its own, and the parent adds them to
the table of contents at commit, with its own deletions and merges. Unique-field
replacement (``update_document``) and ``delete_by_term`` run in the parent against the
committed segments, as with a single-process writer. Three gaps are closed here:

* a writer process that fails loses its documents silently (the parent waits a second
  for its segment, then commits without it): here it reports the failure, the commit
  raises :class:`WriterProcessFailed` and commits nothing;
* ``cancel()`` only flags the parent's copies of the processes: the real ones wait for
  work forever and the parent process cannot exit. Here they are terminated;
* a parent whose processes all died waits forever on the full job queue. Here it stops.

The processes also write their segments as a single-process writer does (``prepare``
and ``segment_class``: :mod:`indexes.whoosh.segment`).
"""

from __future__ import annotations

import pickle
import queue
from collections.abc import Callable
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask  # type: ignore[import-untyped]
from whoosh.util import random_name  # type: ignore[import-untyped]
from whoosh.writing import SegmentWriter  # type: ignore[import-untyped]

#: What is done to every new Whoosh segment writer (in the parent and in each process).
Prepare = Callable[[Any], None]

#: Seconds between checks that the writer processes are still alive while waiting on them.
POLL = 1.0


class WriterProcessFailed(Exception):
    """A writer process failed or died: nothing of the batch was committed."""


class _Failure:
    """What a failed writer process reports instead of its segment (picklable)."""

    def __init__(self, message: str) -> None:
        self.message = message[:2000]


class _Task(SubWriterTask):  # type: ignore[misc]
    """One writer process: documents from the job files into a segment of its own."""

    def __init__(self, *args: Any, prepare: Prepare, segment_class: type) -> None:
        super().__init__(*args)
        self.prepare = prepare
        self.segment_class = segment_class
        self.daemon = True  # never outlives the parent, never delays its exit

    def run(self) -> None:
        """Take job files until told to stop, then report the segment (or the failure)."""
        told_to_stop = False
        try:
            ix = self.storage.open_index(self.indexname)
            self.writer = writer = self.segment_class(ix, _lk=False, **self.kwargs)
            self.prepare(writer)
            while (job := self.jobqueue.get()) is not None:
                self._process_file(*job)
            told_to_stop = True
            if writer._added:
                self.resultqueue.put(writer._finalize_segment())
            else:  # the other processes took every job: no empty segment in the index
                writer._close_segment()
                self.resultqueue.put(None)
        except BaseException as exc:
            self.resultqueue.put(_Failure(f"{type(exc).__name__}: {exc}"))
            if not told_to_stop:  # keep emptying the queue so the parent never blocks on it
                while self.jobqueue.get() is not None:
                    pass


class ParallelWriter(MpWriter):  # type: ignore[misc]
    """``MpWriter(multisegment=True)`` that fails loudly and cancels for real.

    Each process writes with a ``segment_class`` writer. ``kwargs`` (``limitmb``...) go
    to the parent's writer and to every process's.
    """

    docbuffer: list[Any]
    tasks: list[_Task]

    #: MpWriter's internals this class overrides or calls.
    NEEDS = ("_enqueue", "_commit", "_merge_segments", "_finalize_segment", "_close_segment",
             "_commit_toc", "_finish", "temp_storage", "cancel")
    #: What its instances must hold once MpWriter set them up.
    HOLDS = ("docbuffer", "tasks", "jobqueue", "resultqueue", "subargs", "procs", "storage",
             "indexname", "_added", "is_closed")

    @classmethod
    def supported(cls) -> bool:
        """Whether this Whoosh's ``MpWriter`` has the internals overridden here."""
        return all(callable(getattr(MpWriter, n, None)) for n in cls.NEEDS) and callable(
            getattr(SubWriterTask, "_process_file", None))

    def __init__(self, ix: Any, procs: int, prepare: Prepare,
                 segment_class: type = SegmentWriter, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        missing = [n for n in self.HOLDS if not hasattr(self, n)]
        if missing:
            SegmentWriter.cancel(self)
            raise ValueError(f"this Whoosh's MpWriter has no {', '.join(missing)}")
        self.prepare = prepare
        self.segment_class = segment_class
        prepare(self)  # the parent writes a segment too when the commit merges small ones

    def _new_task(self) -> _Task:
        task = _Task(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                     self.subargs, True, prepare=self.prepare,
                     segment_class=self.segment_class)
        self.tasks.append(task)
        task.start()
        return task

    def _put(self, job: Any) -> None:
        while True:
            try:
                self.jobqueue.put(job, timeout=POLL)
                return
            except queue.Full:
                if not any(task.is_alive() for task in self.tasks):
                    raise WriterProcessFailed("every index writer process has died") from None

    def _enqueue(self) -> None:
        # MpWriter._enqueue, with a put that notices dead processes.
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as fh:
            for item in self.docbuffer:
                pickle.dump(item, fh, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        try:
            if self.docbuffer:
                self._enqueue()
            for _ in self.tasks:
                self._put(None)
            # The parent merges small committed segments while the processes finish.
            segments = self._merge_segments(mergetype, optimize, merge)
            for task in self.tasks:
                task.join()
            results = []
            for _ in self.tasks:
                try:
                    results.append(self.resultqueue.get(timeout=POLL))
                except queue.Empty:
                    results.append(_Failure("the process died without a word"))
            failed = [r.message for r in results if isinstance(r, _Failure)]
            if failed:
                raise WriterProcessFailed("index writer process failed: " + "; ".join(failed))
            segments += [s for s in results if s is not None]
            if self._added:
                segments.append(self._finalize_segment())
            else:
                self._close_segment()
            self._commit_toc(segments)
        except BaseException:
            self.cancel()
            raise
        self._finish()

    def cancel(self) -> None:
        """Stop the processes, then drop everything this writer did."""
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
        for task in self.tasks:
            task.join()
        # Jobs never taken stay in the queue's buffer: do not wait to flush them at exit.
        self.jobqueue.cancel_join_thread()
        self.jobqueue.close()
        if not self.is_closed:
            SegmentWriter.cancel(self)
