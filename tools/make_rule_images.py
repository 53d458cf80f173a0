"""Draw the example pictures in docs/images/ for docs/rules/images.md.

    .venv/bin/python tools/make_rule_images.py

Each picture is generated, run through the real image rules (rapidocr, CenterFace), and the
findings' regions are drawn on it in red, so the docs show what Postguard actually reports.
Pictures are reduced to a small palette to keep the repository light.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
WIDTH = 560


def font(size: int, path: Path = FONT) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.truetype(str(path), size) if path.is_file() else ImageFont.load_default(size)


def desk(width: int = 1200, height: int = 800) -> Image.Image:
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([120 + 50 * x / width, 90 + 40 * y / height, 70 + 30 * y / height], -1)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


def sticky_note_scene() -> Image.Image:
    scene = desk()
    note = Image.new("RGB", (440, 300), (250, 235, 90))
    draw = ImageDraw.Draw(note)
    draw.text((30, 50), "wifi password:", font=font(44), fill=(20, 20, 70))
    draw.text((30, 150), "Maple-Leaf-42", font=font(44), fill=(20, 20, 70))
    note = note.convert("RGBA").rotate(7, expand=True)
    scene.paste(note, (380, 240), note)
    return scene


def screen_scene() -> Image.Image:
    scene = desk()
    screen = Image.new("RGB", (820, 520), (24, 26, 33))
    draw = ImageDraw.Draw(screen)
    lines = [
        "ticket INC-204518  status: open",
        "host: fin-db01.corp.springfield.gov",
        "owner: Jane Rivera (Finance)",
        "next: rotate service account keys",
        "backup window 02:00-03:00",
    ]
    for i, line in enumerate(lines):
        draw.text((30, 40 + 90 * i), line, font=font(30, MONO), fill=(210, 230, 210))
    scene.paste((10, 10, 10), (170, 110, 1030, 670))
    scene.paste(screen, (190, 130))
    return scene


def faces_scene() -> Image.Image:
    from skimage import data

    scene = desk()
    sample = "astronaut"  # ships inside scikit-image's wheel; untyped, hence getattr
    person = Image.fromarray(np.asarray(getattr(data, sample)())).resize((420, 420))
    scene.paste(person, (390, 190))
    return scene


def plain_scene() -> Image.Image:
    scene = desk()
    draw = ImageDraw.Draw(scene)
    draw.ellipse((420, 200, 780, 560), fill=(60, 140, 70))
    draw.rectangle((585, 540, 615, 720), fill=(90, 60, 40))
    return scene


def jpeg(img: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x013B] = "Jane Rivera"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (38.0, 53.0, 24.0), 3: "W", 4: (77.0, 1.0, 48.0)})
    exif.get_ifd(0x8769)[0xA431] = "SN-8812-77341"
    return exif


def draw_findings(img: Image.Image, findings: list[object], caption: list[str]) -> Image.Image:
    from postguard.vetting.findings import Finding

    canvas = img.convert("RGB").copy()
    draw = ImageDraw.Draw(canvas)
    for finding in findings:
        assert isinstance(finding, Finding)
        if finding.region is None:
            continue
        r = finding.region
        draw.rectangle(
            (r.x - 4, r.y - 4, r.x + r.w + 4, r.y + r.h + 4), outline=(230, 20, 20), width=6
        )
        draw.text((r.x, max(0, r.y - 40)), finding.rule, font=font(30), fill=(230, 20, 20))
    scale = WIDTH / canvas.width
    small = canvas.resize((WIDTH, int(canvas.height * scale)), Image.Resampling.LANCZOS)
    band = 22 * len(caption) + 12
    framed = Image.new("RGB", (WIDTH, small.height + band), (255, 255, 255))
    framed.paste(small, (0, 0))
    text = ImageDraw.Draw(framed)
    for i, line in enumerate(caption):
        text.text((8, small.height + 6 + 22 * i), line, font=font(15), fill=(20, 20, 20))
    return framed


def save(img: Image.Image, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    img.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")


def main() -> int:
    from postguard.policy.schema import Policy
    from postguard.vetting.context import VettingContext
    from postguard.vetting.directory import Employee
    from postguard.vetting.engine import Engine
    from postguard.vetting.images.analysis import default_image_analysers
    from postguard.vetting.post import ImageInput, Post
    from postguard.vetting.rules.registry import default_rules

    engine = Engine(default_rules(), image_analysers=default_image_analysers())
    ctx = VettingContext.from_policy(
        Policy(organization="Springfield", domains=("springfield.gov",)),
        [Employee(name="Jane Rivera", department="Finance")],
    )

    def vet(img: Image.Image, text: str, alt: str, name: str, **options: object) -> list[object]:
        post = Post(text=text, images=(ImageInput(data=jpeg(img, **options), alt=alt, name=name),))
        return list(engine.vet(post, ctx).findings)

    def lines(findings: list[object], rules: set[str]) -> list[str]:
        from postguard.vetting.findings import Finding

        out = []
        for f in findings:
            assert isinstance(f, Finding)
            if f.rule in rules:
                out.append(f"{f.rule} ({f.severity.value}): {f.message}"[:78])
        return out

    scene = sticky_note_scene()
    found = vet(scene, "Our new office!", "A desk with a note", "desk.jpg")
    shown = [f for f in found if getattr(f, "rule", "") == "secret.credential"]
    save(draw_findings(scene, shown, lines(found, {"secret.credential"})), "image-text.png")

    scene = screen_scene()
    found = vet(scene, "Busy day in IT", "A monitor", "it.jpg")
    shown = [f for f in found if getattr(f, "rule", "") == "image.screen"]
    save(
        draw_findings(
            scene, shown, lines(found, {"image.screen", "internal.ticket", "internal.host"})
        ),
        "image-screen.png",
    )

    scene = faces_scene()
    found = vet(scene, "Thanks to Jane Rivera for the tour!", "An astronaut smiling", "tour.jpg")
    shown = [f for f in found if getattr(f, "rule", "") == "image.faces"]
    save(
        draw_findings(scene, shown, lines(found, {"image.faces", "identity.exposure"})),
        "image-faces.png",
    )

    scene = plain_scene()
    found = vet(scene, "Arbor Day!", "A tree", "tree.jpg", exif=gps_exif())
    message = next(
        (getattr(f, "message", "") for f in found if getattr(f, "rule", "") == "image.metadata"), ""
    )
    caption = ["image.metadata (block): " + message[:55], message[55:133], message[133:211]]
    save(draw_findings(scene, [], [c for c in caption if c]), "image-metadata.png")

    found = vet(scene, "Arbor Day!", "IMG_2041.jpg", "IMG_2041.jpg")
    save(draw_findings(scene, [], lines(found, {"media.alt_text_missing"})), "media-alt-text.png")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
