"""PyInstaller hook for Apprise: it finds its plugins by listing their folder at run time."""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

# Apprise's plugin manager lists apprise/plugins (and the config and attachment folders)
# with os.listdir and imports each name it finds, so no import names them for PyInstaller:
# collect every submodule, and also keep each module's .py file on disk ("pyz+py") so the
# listing finds the same names the archive can import. Its data files hold the notification
# images and translations; the metadata holds its version.
hiddenimports = collect_submodules("apprise")
datas = collect_data_files("apprise") + copy_metadata("apprise")
module_collection_mode = "pyz+py"
