"""Photo vetting benchmark: OCR recall of planted secrets, face detection, speed, model load.

    python -m benchmarks.images            # full run, writes figures into benchmarks/README.md
    python -m benchmarks.images --quick    # a smaller set, prints only

Everything is generated from a fixed seed (text on screens, badges, sticky notes, whiteboards
and documents, at angles and with blur; faces cut from scikit-image's sample photos and pasted
at many sizes; face-free pictures), plus the pictures that ship inside scikit-image. Nothing is
downloaded.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from benchmarks.report import Floor, Section

README = Path(__file__).with_name("README.md")
BEGIN = "<!-- bench:images:start -->"
END = "<!-- bench:images:end -->"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SIZE = (1632, 1224)  # 2.0 megapixels, a phone photo scaled for the web

FLOOR_OCR = 0.95
FLOOR_FACES = 0.95
FLOOR_SECONDS = 1.0
FLOOR_LOAD = 1.0


def font(
    size: int, *, mono: bool = False, bold: bool = False
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSansMono.ttf" if mono else ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    path = FONT_DIR / name
    if not path.is_file():
        path = FONT_DIR / "DejaVuSans.ttf"
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


# ---- planted secrets -------------------------------------------------------------------------

WORDS = [
    "Maple",
    "River",
    "Falcon",
    "Harbor",
    "Cedar",
    "Summit",
    "Copper",
    "Willow",
    "Granite",
    "Meadow",
]


def secrets(rng: random.Random) -> list[tuple[str, str]]:
    """(label that precedes it, the secret) pairs of every kind the text rules look for."""
    word = rng.choice(WORDS)
    return [
        ("password:", f"{word}-{rng.choice(WORDS)}-{rng.randint(10, 99)}"),
        ("wifi pw:", f"{word}{rng.randint(1000, 9999)}!"),
        ("email:", f"{rng.choice(WORDS).lower()}.{rng.choice(WORDS).lower()}@springfield.gov"),
        ("phone:", f"(555) {rng.randint(200, 899)}-{rng.randint(1000, 9999)}"),
        ("IBAN:", "DE89 3704 0044 0532 0130 00"),
        ("host:", f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(2, 250)}"),
    ]


@dataclass
class Sample:
    kind: str
    image: Image.Image
    secret: str
    angle: float
    blur: float


def _background(rng: random.Random) -> Image.Image:
    w, h = SIZE
    y, x = np.mgrid[0:h, 0:w]
    r, g, b = (rng.randint(60, 160) for _ in range(3))
    base = np.stack([r + 40 * x / w, g + 30 * y / h, b + 20 * (x + y) / (w + h)], -1)
    noise = np.random.default_rng(rng.randint(0, 10**6)).normal(0, 6, base.shape)
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))


def _fit(width: int, lines: list[str], f: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> int:
    """A card wide enough for its longest line (a real note is written to fit)."""
    return max(width, 80 + int(max(f.getlength(line) for line in lines)))


def _card(kind: str, label: str, secret: str, rng: random.Random) -> Image.Image:
    filler = [
        "Quarterly planning",
        "Action items:",
        "Call vendor re: renewal",
        "Budget review Fri",
        "Q3 targets",
    ]
    if kind == "screen":
        card = Image.new("RGB", (900, 560), (24, 26, 33))
        draw = ImageDraw.Draw(card)
        f = font(30, mono=True)
        lines = [
            "$ ssh admin@gateway",
            "Last login: Mon 09:12",
            f"{label} {secret}",
            "status: connected",
            "$ _",
        ]
        for i, line in enumerate(lines):
            draw.text((40, 40 + 90 * i), line, font=f, fill=(210, 230, 210))
        return _bezel(card)
    if kind == "badge":
        width = _fit(560, [f"{label} {secret}"], font(30))
        card = Image.new("RGB", (width, 360), (245, 245, 240))
        draw = ImageDraw.Draw(card)
        draw.rectangle((0, 0, width, 70), fill=(20, 70, 140))
        draw.text((24, 14), "CITY OF SPRINGFIELD", font=font(34, bold=True), fill=(255, 255, 255))
        draw.text((24, 110), "VISITOR", font=font(40, bold=True), fill=(20, 20, 20))
        draw.text((24, 200), f"{label} {secret}", font=font(30), fill=(20, 20, 20))
        return card
    if kind == "sticky":
        card = Image.new("RGB", (_fit(520, [label, secret], font(40)), 360), (250, 235, 90))
        draw = ImageDraw.Draw(card)
        draw.text((30, 60), label, font=font(40), fill=(20, 20, 70))
        draw.text((30, 160), secret, font=font(40), fill=(20, 20, 70))
        return card
    if kind == "whiteboard":
        card = Image.new("RGB", (_fit(1100, [f"{label} {secret}"], font(52)), 700), (250, 250, 250))
        draw = ImageDraw.Draw(card)
        colours = [(30, 60, 160), (160, 30, 30), (20, 120, 60)]
        for i, line in enumerate([filler[0], filler[1], f"{label} {secret}", filler[2]]):
            draw.text((50, 60 + 140 * i), line, font=font(52), fill=rng.choice(colours))
        return card
    # document
    card = Image.new("RGB", (760, 980), (252, 252, 250))
    draw = ImageDraw.Draw(card)
    body = [
        "MEMO - INTERNAL",
        "To: Facilities",
        "Re: new access codes",
        f"{label} {secret}",
        filler[3],
        filler[4],
    ]
    for i, line in enumerate(body):
        draw.text((60, 70 + 120 * i), line, font=font(34, bold=i == 0), fill=(25, 25, 25))
    return card


def _bezel(screen: Image.Image) -> Image.Image:
    framed = Image.new("RGB", (screen.width + 60, screen.height + 60), (12, 12, 12))
    framed.paste(screen, (30, 30))
    return framed


def ocr_set(count: int, seed: int = 20261128) -> list[Sample]:
    rng = random.Random(seed)
    kinds = ["screen", "badge", "sticky", "whiteboard", "document"]
    angles = [0.0, 5.0, -8.0, 12.0, -15.0, 20.0, 30.0]
    samples: list[Sample] = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        label, secret = secrets(rng)[i % 6]
        angle = angles[(i // len(kinds)) % len(angles)]
        blur = [0.0, 0.8, 1.5][i % 3]
        card = _card(kind, label, secret, rng).convert("RGBA")
        card = card.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
        scene = _background(rng)
        x = rng.randint(0, max(0, SIZE[0] - card.width))
        y = rng.randint(0, max(0, SIZE[1] - card.height))
        scene.paste(card, (x, y), card)
        if blur:
            scene = scene.filter(ImageFilter.GaussianBlur(blur))
        samples.append(Sample(kind, scene, secret, angle, blur))
    return samples


# ---- faces -----------------------------------------------------------------------------------


@dataclass
class FaceScene:
    image: Image.Image
    boxes: list[tuple[int, int, int, int]]  # x, y, w, h of each planted face
    name: str


def _sample(name: str) -> Image.Image:
    """A picture that ships inside scikit-image's wheel (nothing is downloaded)."""
    from skimage import data

    return Image.fromarray(np.asarray(getattr(data, name)())).convert("RGB")


def _face_crops() -> list[Image.Image]:
    astronaut = _sample("astronaut")
    camera = _sample("camera")
    # The faces themselves, with a margin like a head in a photo.
    return [astronaut.crop((150, 30, 300, 215)), camera.crop((215, 50, 330, 190))]


def face_set(seed: int = 7) -> tuple[list[FaceScene], list[tuple[str, Image.Image]]]:
    from skimage import data

    rng = random.Random(seed)
    crops = _face_crops()
    sizes = [48, 64, 80, 96, 128, 160, 200, 260, 340]
    scenes: list[FaceScene] = []
    for i in range(16):
        scene = _background(rng)
        boxes: list[tuple[int, int, int, int]] = []
        for _ in range(rng.randint(1, 4)):
            crop = rng.choice(crops)
            if rng.random() < 0.5:
                crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            width = rng.choice(sizes)
            height = int(width * crop.height / crop.width)
            face = crop.resize((width, height), Image.Resampling.BILINEAR)
            gain = rng.uniform(0.7, 1.2)
            face = face.point([min(255, int(v * gain)) for v in range(256)] * 3)
            for _attempt in range(30):
                x = rng.randint(0, SIZE[0] - width)
                y = rng.randint(0, SIZE[1] - height)
                if all(
                    x + width < bx or bx + bw < x or y + height < by or by + bh < y
                    for bx, by, bw, bh in boxes
                ):
                    break
            else:
                continue
            scene.paste(face, (x, y))
            boxes.append((x, y, width, height))
        scenes.append(FaceScene(scene, boxes, f"generated-{i:02d}"))
    scenes.append(FaceScene(_sample("astronaut"), [(160, 40, 130, 160)], "skimage astronaut"))
    scenes.append(FaceScene(_sample("camera"), [(225, 60, 100, 120)], "skimage camera"))
    free: list[tuple[str, Image.Image]] = []
    for name in (
        "coffee",
        "rocket",
        "chelsea",
        "coins",
        "text",
        "page",
        "brick",
        "grass",
        "gravel",
        "hubble_deep_field",
        "immunohistochemistry",
        "horse",
        "logo",
        "moon",
        "cell",
        "clock",
        "cat",
        "retina",
        "colorwheel",
        "checkerboard",
    ):
        loader: Callable[[], np.typing.NDArray[np.uint8]] | None = getattr(data, name, None)
        if loader is None:
            continue
        try:
            pixels = np.asarray(loader())
        except Exception:  # noqa: S112 - a sample that needs a download is simply not used
            continue
        if pixels.dtype != np.uint8:
            pixels = (255 * (pixels.astype(np.float64) / max(float(pixels.max()), 1.0))).astype(
                np.uint8
            )
        free.append((f"skimage {name}", Image.fromarray(pixels).convert("RGB")))
    for i in range(10):
        free.append((f"generated face-free {i}", _background(rng)))
    return scenes, free


def _hit(box: tuple[int, int, int, int], found: list[tuple[int, int, int, int]]) -> bool:
    x, y, w, h = box
    for fx, fy, fw, fh in found:
        cx, cy = fx + fw / 2, fy + fh / 2
        if x <= cx <= x + w and y <= cy <= y + h:
            return True
    return False


# ---- runs ------------------------------------------------------------------------------------


def measure_load() -> dict[str, float]:
    """Model load in a fresh process: imports, then constructing and warming both models."""
    code = (
        "import time; t0 = time.perf_counter();"
        "from postguard.vetting.images.ocr import RapidTextReader;"
        "from postguard.vetting.images.faces import CenterFaceDetector;"
        # The libraries (rapidocr pulls in OpenCV and omegaconf) are imports, not models.
        "import onnxruntime, rapidocr.main;"
        "t1 = time.perf_counter(); r = RapidTextReader(); f = CenterFaceDetector();"
        "r.warm_up(); f.warm_up(); t2 = time.perf_counter();"
        "print(t1 - t0, t2 - t1)"
    )
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        )
        imports, load = (float(v) for v in out.stdout.split())
        runs.append((imports, load))
    return {
        "imports": statistics.median(r[0] for r in runs),
        "load": statistics.median(r[1] for r in runs),
    }


def jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def measure(*, quick: bool = False) -> Section:
    """Run the whole photo benchmark; the Section's markdown goes into benchmarks/README.md."""
    from postguard.policy.schema import Policy
    from postguard.vetting.context import VettingContext
    from postguard.vetting.engine import Engine
    from postguard.vetting.images.analysis import default_image_analysers
    from postguard.vetting.post import ImageInput, Post
    from postguard.vetting.rules.registry import default_rules

    load = measure_load()
    analysers = default_image_analysers()
    analysers.reader.warm_up()  # type: ignore[attr-defined]  # the real reader has warm_up
    analysers.faces.warm_up()  # type: ignore[attr-defined]
    engine = Engine(default_rules(), image_analysers=analysers)
    ctx = VettingContext.from_policy(
        Policy(organization="Springfield", domains=("springfield.gov",))
    )

    # OCR: exact reads of planted secrets, and whether a text rule reported them from the image.
    samples = ocr_set(25 if quick else 60)
    exact = rule_hits = 0
    by_kind: dict[str, list[int]] = {}
    misses: list[str] = []
    seconds: list[float] = []
    cpu_seconds: list[float] = []
    for sample in samples:
        data = jpeg(sample.image)
        started, cpu = time.perf_counter(), time.process_time()
        report = engine.vet(
            Post(
                text="Open house today",
                images=(ImageInput(data=data, alt="Our office", name="x.jpg"),),
            ),
            ctx,
        )
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu)
        read = " ".join(f.text for f in report.findings if f.rule == "image.text")
        squeezed = " ".join(read.split())
        ok = sample.secret in squeezed or sample.secret.replace(" ", "") in squeezed.replace(
            " ", ""
        )
        exact += ok
        by_kind.setdefault(sample.kind, [0, 0])
        by_kind[sample.kind][0] += ok
        by_kind[sample.kind][1] += 1
        if not ok:
            misses.append(
                f"{sample.kind} {sample.angle:+.0f}° blur {sample.blur}: "
                f"{sample.secret!r} read as {read[:80]!r}"
            )
        rule_hits += any(
            f.image == 0
            and f.rule not in {"image.text", "image.screen", "image.faces"}
            and sample.secret.split()[0] in f.text
            for f in report.findings
        )

    # Faces.
    scenes, free = face_set()
    planted = found = 0
    face_seconds: list[float] = []
    for scene in scenes:
        pixels = np.asarray(scene.image.convert("RGB"))
        started = time.perf_counter()
        detected = [
            (f.region.x, f.region.y, f.region.w, f.region.h) for f in analysers.faces.detect(pixels)
        ]
        face_seconds.append(time.perf_counter() - started)
        planted += len(scene.boxes)
        found += sum(_hit(box, detected) for box in scene.boxes)
    false_positive_images = []
    for name, img in free:
        if analysers.faces.detect(np.asarray(img)):
            false_positive_images.append(name)
    for sample in samples[:20]:  # the OCR scenes are face-free too
        if analysers.faces.detect(np.asarray(sample.image)):
            false_positive_images.append(f"{sample.kind} scene")
    free_count = len(free) + min(20, len(samples))

    ocr_rate = exact / len(samples)
    face_rate = found / planted
    median = statistics.median(seconds)
    p90 = sorted(seconds)[int(0.9 * (len(seconds) - 1))]
    load_avg = os.getloadavg()[0]
    rows = [
        (
            "OCR: planted secrets read exactly",
            f"{exact}/{len(samples)} = {ocr_rate:.1%}",
            f"≥ {FLOOR_OCR:.0%}",
            ocr_rate >= FLOOR_OCR,
        ),
        (
            "OCR: reported by a text rule from the image",
            f"{rule_hits}/{len(samples)} = {rule_hits / len(samples):.1%}",
            "",
            None,
        ),
        (
            "faces found",
            f"{found}/{planted} = {face_rate:.1%}",
            f"≥ {FLOOR_FACES:.0%}",
            face_rate >= FLOOR_FACES,
        ),
        (
            "face-free images with a false face",
            f"{len(false_positive_images)}/{free_count}",
            "0",
            not false_positive_images,
        ),
        (
            "2 MP photo, every image rule on, warm: median",
            f"{median:.2f} s (p90 {p90:.2f} s)",
            f"≤ {FLOOR_SECONDS:.1f} s",
            median <= FLOOR_SECONDS,
        ),
        (
            "the same in CPU time (both cores added up): median",
            f"{statistics.median(cpu_seconds):.2f} s",
            "",
            None,
        ),
        (
            "faces alone per 2 MP photo: median",
            f"{statistics.median(face_seconds):.2f} s",
            "",
            None,
        ),
        (
            "models loaded (rapidocr + CenterFace sessions and one warm-up run each)",
            f"{load['load']:.2f} s (imports {load['imports']:.2f} s)",
            f"≤ {FLOOR_LOAD:.1f} s",
            load["load"] <= FLOOR_LOAD,
        ),
    ]
    lines = [
        "### Photo vetting",
        "",
        f"`python -m benchmarks.images` on this machine ({os.cpu_count()} cores, 1-minute load "
        f"average {load_avg:.1f} while it ran), {len(samples)} generated 2 MP scenes with one "
        "planted secret each (screens, badges, sticky notes, whiteboards, documents; -15° to "
        f"+30°; blur up to 1.5 px), {planted} faces in {len(scenes)} pictures (scikit-image's "
        f"astronaut and camera man, pasted at 48-340 px), {free_count} face-free pictures "
        "(scikit-image's samples and generated scenes).",
        "",
        "| measure | result | floor | met |",
        "|---|---|---|---|",
    ]
    for name, value, floor, met in rows:
        mark = "" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {name} | {value} | {floor} | {mark} |")
    lines.append("")
    if load_avg > (os.cpu_count() or 1):
        lines.append(
            f"The machine was shared while this ran (load average {load_avg:.1f} on "
            f"{os.cpu_count()} cores): wall-clock times measure the contention as much as this "
            "code. CPU time per photo does not depend on it; rerun on an idle machine to judge "
            "the 1 s and model-load floors."
        )
        lines.append("")
    lines.append(
        "OCR exact reads by kind: "
        + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in by_kind.items())
        + "."
    )
    if misses:
        lines.append("")
        lines.append(
            "Misses: " + "; ".join(misses[:8]) + ("; ..." if len(misses) > 8 else "") + "."
        )
    if false_positive_images:
        lines.append("")
        lines.append("False faces in: " + ", ".join(false_positive_images) + ".")
    floors = [
        Floor(
            "images: OCR reads planted secrets exactly",
            f"{ocr_rate:.1%}",
            f"≥ {FLOOR_OCR:.0%}",
            ocr_rate >= FLOOR_OCR,
        ),
        Floor(
            "images: faces found",
            f"{face_rate:.1%}",
            f"≥ {FLOOR_FACES:.0%}",
            face_rate >= FLOOR_FACES,
        ),
        Floor(
            "images: face-free images with a false face",
            str(len(false_positive_images)),
            "0",
            not false_positive_images,
        ),
        Floor(
            "images: 2 MP photo, every image rule on, warm (median)",
            f"{median:.2f} s",
            f"≤ {FLOOR_SECONDS:.1f} s",
            median <= FLOOR_SECONDS,
        ),
        Floor(
            "images: models loaded",
            f"{load['load']:.2f} s",
            f"≤ {FLOOR_LOAD:.1f} s",
            load["load"] <= FLOOR_LOAD,
        ),
    ]
    return Section("images", "\n".join(lines), floors)


def run() -> Section:
    """The hook `python -m benchmarks` calls."""
    return measure()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.images")
    parser.add_argument(
        "--quick", action="store_true", help="a small set; print, do not write README"
    )
    args = parser.parse_args(argv)
    section = measure(quick=args.quick)
    print(section.markdown)
    if not args.quick:
        write_readme(section.markdown)
        print(f"\nwrote {README}")
    return 0


def write_readme(markdown: str) -> None:
    """Replace only the text between this benchmark's markers (the rest of the file is the
    other benchmarks')."""
    block = f"{BEGIN}\n{markdown.strip()}\n{END}"
    current = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    if BEGIN in current and END in current:
        head, _, rest = current.partition(BEGIN)
        _, _, tail = rest.partition(END)
        updated = f"{head}{block}{tail}"
    else:
        updated = current.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
