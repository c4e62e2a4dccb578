"""The finance bureau's review pack: an HTML page and an .xlsx workbook per as-of date."""

from munifund.review.pack import write_review_pack

__all__ = ["write_review_pack"]
