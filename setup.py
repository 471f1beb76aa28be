"""The build hook that compiles the interface's gettext catalogues.

Everything else about the package is in pyproject.toml. The compiled catalogues (.mo) are not
kept in git: they are made from annotator/translations/*/LC_MESSAGES/messages.po whenever the
package is built — into the wheel for `pip install .` and `python -m build`, and beside the
.po files for an editable install (`pip install -e .`, which `make` runs). `make translations`
recompiles them after a .po file changes.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CATALOGUES = "annotator/translations"


class BuildWithCatalogues(build_py):
    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted((HERE / CATALOGUES).glob("*/LC_MESSAGES/messages.po")):
            rel = po.relative_to(HERE).with_suffix(".mo")
            target = HERE / rel if self.editable_mode else Path(self.build_lib) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as src:
                catalog = read_po(src, locale=po.parent.parent.name)
            with target.open("wb") as out:
                write_mo(out, catalog)


setup(cmdclass={"build_py": BuildWithCatalogues})
