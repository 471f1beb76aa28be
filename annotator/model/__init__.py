"""The project model: a scikit-learn text classifier trained from a project's final labels,
versioned in the database, run by the background worker (no Flask import).

``features`` builds the pipeline, ``training`` trains and cross-validates it, ``store`` keeps
its versions, ``predictions`` applies the latest one to every body sentence."""
