"""Lexicon hints: attribution cues, contested terms and sources, with character offsets.

Pure functions over plain data (no Flask, no database). Hints mark words; they never choose
a label. The modules, lowest first: ``tokens`` and ``inflection`` (words), ``lexicon`` (the
format and the default lexicon), ``terms`` (lexicon matching), ``attribution`` (the rule-based
finder), ``matcher`` (what the annotator sees), ``evaluation`` (hint quality).
"""
