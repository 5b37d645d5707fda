"""The libraries prediction and training import on first use, imported up front.

Modules import sklearn, scipy and pypinyin inside the functions that need them, so a CLI
command that never trains does not pay seconds of CPU for them (see docs/architecture.md,
"Startup cost"). A server or worker does need them: it preloads them at start, before it
serves, so the first chat message or ticket never imports them on the event loop (which
stalled every request of the process for seconds)."""

from __future__ import annotations


def preload() -> None:
    import scipy.sparse  # type: ignore[import-untyped]
    import scipy.special  # type: ignore[import-untyped]  # noqa: F401
    import sklearn.cluster
    import sklearn.feature_extraction.text
    import sklearn.linear_model
    import sklearn.model_selection
    import sklearn.svm  # noqa: F401

    from kefu.nlp.pinyin import _table

    _table()
    # The emotion model's encoder head loads multilingual-e5 (~1 s) on its first unsure message.
    from kefu.nlp.emotion import EmotionModel

    EmotionModel.load().warm()
