"""`postguard strip IN OUT`: a clean copy, or exit 2 with a message that says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from postguard.cli.main import main
from tests.images.conftest import PLANTED, encode, gradient, loaded_jpeg


def test_strip_writes_a_clean_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "IMG_2041.jpg"
    source.write_bytes(loaded_jpeg())
    assert main(["strip", str(source), str(tmp_path / "clean.jpg")]) == 0
    data = (tmp_path / "clean.jpg").read_bytes()
    assert not any(planted in data for planted in PLANTED)
    assert "clean.jpg: JPEG, lossless" in capsys.readouterr().err


def test_out_extension_picks_the_format(tmp_path: Path) -> None:
    source = tmp_path / "a.jpg"
    source.write_bytes(loaded_jpeg())
    assert main(["strip", str(source), str(tmp_path / "a.png")]) == 0
    assert (tmp_path / "a.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty (0 bytes)"),
        (b"not an image at all", "not a JPEG, PNG, WebP, GIF or HEIC image"),
        (encode(gradient(300, 200), "JPEG")[:900], "the JPEG file is truncated"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    source = tmp_path / "bad.jpg"
    source.write_bytes(content)
    assert main(["strip", str(source), str(tmp_path / "out.jpg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("postguard strip: bad.jpg: ")
    assert message in err
    assert not (tmp_path / "out.jpg").exists()


def test_missing_file_and_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["strip", str(tmp_path / "nope.jpg"), str(tmp_path / "o.jpg")]) == 2
    assert "nope.jpg: no such file" in capsys.readouterr().err
    source = tmp_path / "a.jpg"
    source.write_bytes(loaded_jpeg())
    assert main(["strip", str(source), str(tmp_path / "no" / "o.jpg")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_refuses_to_overwrite_the_original(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "a.jpg"
    source.write_bytes(loaded_jpeg())
    assert main(["strip", str(source), str(source)]) == 2
    assert "OUT must differ from IN" in capsys.readouterr().err


def test_strip_does_not_import_django(tmp_path: Path) -> None:
    import subprocess
    import sys

    source = tmp_path / "a.jpg"
    source.write_bytes(loaded_jpeg())
    code = (
        "import sys; from postguard.cli.main import main; "
        f"rc = main(['strip', {str(source)!r}, {str(tmp_path / 'b.jpg')!r}]); "
        "assert 'django' not in sys.modules, 'django was imported'; sys.exit(rc)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
