"""Programs and what they do: what a prompt shows (``prompt_info``: entry point, signature,
examples), the sandboxed probe harness (``probes``), the pass matrix of a problem's candidates on
its cases (``matrix``), inputs rankkit makes itself (``inputs``) and model-written tests
(``tests``)."""
