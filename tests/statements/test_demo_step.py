"""`houdini-pay demo` ends with the supporter's statement and the year's receipts."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

EXECUTABLE = Path(sys.executable).parent / "houdini-pay"


def test_the_demo_prints_a_statement_and_writes_the_pdf_and_receipts() -> None:
    result = subprocess.run(
        [str(EXECUTABLE), "demo", "--keep"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout
    folder = Path(output.rsplit("The statement and receipts are in ", 1)[1].strip())
    try:
        year = dt.datetime.now(dt.UTC).year
        assert "A giving statement and the year's receipts" in output
        assert "date,payment_id,kind,status,type,description,amount,tax_deductible,currency" in (
            output
        )
        # The demo's refund is counted as a refund, not as one more payment.
        total = r'^ +,,total,,Total,"\d+ payments, 1 refund",\d+\.\d\d,\d+\.\d\d,USD$'
        assert re.search(total, output, re.M)
        assert f"receipt {year}-000001" in output
        receipts = list((folder / "receipts").iterdir())
        assert [path.name[:11] for path in receipts] == [f"{year}-000001"]
        text = PdfReader(folder / "statement.pdf").pages[0].extract_text()
        assert "Riverside Food Bank" in text
        assert f"Receipt no.  {year}-000001" in text
    finally:
        shutil.rmtree(folder)
