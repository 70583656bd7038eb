"""Skipping NFC for text that is already NFC (pipelines/ingest/characters.py, `not_nfc`) never keeps a text
that NFC would change: the skip is a speed-up, never a difference in what is stored."""

from __future__ import annotations

import random
import unicodedata

import polars as pl

from pipelines.ingest import characters
from pipelines.ingest.contracts import load_contracts
from pipelines.ingest.parsing import parse_submission
from pipelines.settings import Settings

# Characters NFC treats specially, beside plain and precomposed letters: combining marks Vietnamese typed
# decomposed uses, Hangul jamo (composed algorithmically, not by a decomposition mapping), singletons
# (Angstrom, Ohm, a CJK compatibility ideograph), a composition exclusion, a non-starter decomposition.
PIECES = ["a", "e", "o", "u", "y", "A", "X", " ", "1", "ệ", "ư", "ơ", "đ", "â",
          "\u0300", "\u0301", "\u0302", "\u0303", "\u0309", "\u0323", "\u031b", "\u0306",
          "\u1100", "\u1161", "\u11a8", "\uac00",
          "\u212b", "\u2126", "\uf900", "\u0958", "\u0344", "\u0f73"]


def test_text_without_a_flagged_character_is_already_nfc():
    rnd = random.Random(11)
    texts = ["".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 6))) for _ in range(20_000)]
    flagged = pl.Series(texts).str.contains(characters.not_nfc()).to_list()
    missed = [t for t, f in zip(texts, flagged) if not f and unicodedata.normalize("NFC", t) != t]
    assert missed == []
    # and composed Vietnamese, the usual case, is not flagged (else the skip would never happen)
    assert not pl.Series(["Xây dựng nghị định", "Ủy ban nhân dân", "Đang thực hiện đúng hạn"]) \
        .str.contains(characters.not_nfc()).any()


def test_a_decomposed_cell_among_composed_ones_is_stored_nfc_and_the_others_unchanged():
    contract = load_contracts(Settings.explicit().contracts_dir)["task_status"]
    header = ("Mã nhiệm vụ,Chương trình,Cơ quan chủ trì,Cơ quan phối hợp,Nội dung nhiệm vụ,Sản phẩm,Người chịu trách nhiệm,"
              "Đơn vị chịu trách nhiệm,Thẩm quyền,Ngày giao,Thời hạn,Trạng thái,Ngày hoàn thành,Ghi chú")
    row = "NQ71-{i},NQ71,BKHCN,,{content},Nghị định,Thứ trưởng,Vụ KHTC,Thủ tướng,01/04/2025,30/11/2025,Hoàn thành đúng hạn,15/11/2025,"
    contents = ["Xây dựng nghị định"] * 5 + [unicodedata.normalize("NFD", "Hướng dẫn ứng dụng")] + ["Kỹ thuật số"]
    text = header + "\n" + "\n".join(row.format(i=i, content=c) for i, c in enumerate(contents)) + "\n"
    result = parse_submission(text.encode("utf-8"), "csv", contract, {"agency": {"BKHCN"}, "programme": {"NQ71"}})
    assert result.ok, result.problems
    assert result.frame["content"].to_list() == [unicodedata.normalize("NFC", c) for c in contents]
    assert result.frame["content"][5] != contents[5]  # the decomposed cell was rewritten
