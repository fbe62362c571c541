"""The notebook pipeline: run parameterised notebooks with papermill and compare their metrics.

Inside a notebook only :func:`record` and :func:`artifacts_dir` are needed; they are light
(no papermill import) so that every notebook can use them.
"""

from dtwin.pipeline.recorder import artifacts_dir, record, recorded

__all__ = ["artifacts_dir", "record", "recorded"]
