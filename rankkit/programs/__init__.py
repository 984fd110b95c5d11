"""Programs and what they do: what a prompt shows (``prompt_info``: entry point, signature,
examples) and running candidates on probe cases in the sandbox (``probes``)."""
