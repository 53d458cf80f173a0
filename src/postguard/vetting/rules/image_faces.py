"""image.faces: people's faces in the picture (review): identifiable people need their consent.

The message counts the faces. A face together with a post that names an employee from the
directory who is not an enrolled participant is reported as `identity.exposure` too: the name
and the face identify that person twice over (PRODUCT.md, "Protect people").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.directory import Employee
from postguard.vetting.findings import Hit, Region, Severity
from postguard.vetting.images.rule import ImageRule
from postguard.vetting.people import words
from postguard.vetting.post import Post
from postguard.vetting.rules.identity_exposure import directory_index

if TYPE_CHECKING:
    from postguard.vetting.images.analysis import ImageAnalysis


def named_employees(text: str, ctx: VettingContext) -> Iterator[Employee]:
    """Directory employees who are not participants and whom the post names, found the way the
    identity rule finds them (full, preferred and nick names, initial or honorific plus surname,
    possessives, any case, no accents)."""
    if not ctx.directory or not text:
        return
    index = directory_index(ctx)
    seen: set[int] = set()
    for mention in index.mentions(text, words(text)):
        employee = mention.person.employee
        if employee.participant or id(employee) in seen:
            continue
        seen.add(id(employee))
        yield employee


class ImageFacesRule(ImageRule):
    ids: ClassVar[dict[str, Severity]] = {"image.faces": Severity.REVIEW}
    needs_faces: ClassVar[bool] = True
    also_reports: ClassVar[frozenset[str]] = frozenset({"identity.exposure"})

    def check_image(self, post: Post, image: ImageAnalysis, ctx: VettingContext) -> Iterable[Hit]:
        if not image.faces:
            return
        faces = image.faces
        boxes = [face.region for face in faces]
        x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
        x1, y1 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
        count = len(faces)
        evidence = {
            "count": count,
            "faces": [
                {
                    "x": f.region.x,
                    "y": f.region.y,
                    "w": f.region.w,
                    "h": f.region.h,
                    "score": round(f.score, 3),
                }
                for f in faces
            ],
        }
        yield Hit(
            rule="image.faces",
            start=0,
            end=0,
            message=f"{image.label} shows {count} face{'s' if count != 1 else ''}: "
            "identifiable people need their consent",
            suggestion="publish only with the consent of everyone shown, or blur the faces",
            image=image.index,
            region=Region(x0, y0, x1 - x0, y1 - y0),
            evidence=evidence,
        )
        largest = max(faces, key=lambda f: f.region.w * f.region.h)
        for person in named_employees(post.text, ctx):
            yield Hit(
                rule="identity.exposure",
                start=0,
                end=0,
                message=f"{image.label} shows a face and the post names {person.name}, an "
                "employee who is not an enrolled participant: the name and the face identify "
                "them together",
                suggestion=f"remove {person.name}'s name from the post, or use a photo without "
                "identifiable faces (or enrol them as a consenting participant)",
                image=image.index,
                region=largest.region,
                evidence={"employee": person.name, "source": "image.faces"},
            )
