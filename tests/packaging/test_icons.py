"""The app icons: drawn by our own code, the tray icon's drawing, in each OS's format."""

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage, QImageReader

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def icons(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The icon set as upwatch.spec makes it: make_icons.py run in its own process."""
    out = tmp_path_factory.mktemp("icons")
    subprocess.run(
        [sys.executable, str(REPO / "packaging" / "make_icons.py"), str(out)],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        timeout=60,
    )
    return out


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def all_images(path: Path) -> list[int]:
    """The width of every image Qt's own reader finds in an .ico or .icns file."""
    reader = QImageReader(str(path))
    widths = []
    for index in range(reader.imageCount()):
        assert reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        assert image.width() == image.height()
        widths.append(image.width())
    return widths


def test_the_linux_pngs_have_the_sizes_of_the_hicolor_theme(icons: Path) -> None:
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert png_size((icons / f"upwatch-{size}.png").read_bytes()) == (size, size)


def test_the_windows_ico_holds_every_size_up_to_256(icons: Path) -> None:
    data = (icons / "upwatch.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, 7)
    assert all_images(icons / "upwatch.ico") == [16, 24, 32, 48, 64, 128, 256]


def test_the_macos_icns_holds_every_size_up_to_1024(icons: Path) -> None:
    data = (icons / "upwatch.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    widths = sorted(all_images(icons / "upwatch.icns"))
    assert widths == [16, 32, 32, 64, 128, 256, 256, 512, 512, 1024]


def test_the_icon_is_a_green_disc_in_a_dark_ring(icons: Path) -> None:
    image = QImage(str(icons / "upwatch-256.png"))
    assert image.pixelColor(128, 128).name() == "#2e9d4f"  # the UP colour in the centre
    assert image.pixelColor(128, 28).name() == "#1f2933"  # the ring (15 to 41 px from the edge)
    assert image.pixelColor(1, 1).alpha() == 0  # transparent corners


def test_the_app_icon_is_pixel_for_pixel_the_tray_icon() -> None:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("icon_match_child.py"))],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "same"
