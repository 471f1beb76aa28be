"""Review: what the labels say together. The counted labels and their matrix (``matrix``),
agreement statistics (``agreement``), aggregation into final labels (``aggregation``),
reviewers' gold labels and the disagreement queue (``adjudication``), the dashboard's figures
(``stats``) and the layout of its charts (``figures``). No Flask import."""
