"""The catalog under threads: each thread reads through its own connection, so a write another
thread committed is seen at once, and connections of finished threads do not pile up."""

import gc
import threading

from index.catalog import Catalog


def test_a_thread_sees_another_threads_commit_at_once(tmp_path):
    catalog = Catalog(tmp_path)
    try:
        seen = []
        assert catalog.get("d1") is None                 # this thread has read before the write
        writer = threading.Thread(target=lambda: catalog.mark_pending("d1", "a.md", "h", {"doc_id": "d1"}))
        writer.start()
        writer.join()
        reader = threading.Thread(target=lambda: seen.append(catalog.get("d1")))
        reader.start()
        reader.join()
        assert seen[0] is not None and seen[0].state == "pending"
        assert catalog.get("d1").state == "pending"
    finally:
        catalog.close()


def test_connections_of_finished_threads_are_closed(tmp_path):
    catalog = Catalog(tmp_path)
    try:
        for _ in range(50):
            thread = threading.Thread(target=lambda: catalog.generation)
            thread.start()
            thread.join()
        gc.collect()
        assert len(catalog._opened) <= 2      # this thread's, and at most one not yet collected
    finally:
        catalog.close()
