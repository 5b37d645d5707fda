"""Personal data never reaches the log in clear."""

from __future__ import annotations

import json

import pytest
import structlog

from kefu.config import Settings
from kefu.logging import configure_logging, mask_text


class TestMaskText:
    @pytest.mark.parametrize(
        ("raw", "masked"),
        [
            ("call 13812345678 now", "call 138****5678 now"),
            ("+8613812345678", "+86138****5678"),
            ("id 110101199003074578", "id 110101********4578"),
            ("id 11010119900307457X", "id 110101********457X"),
            ("mail wang.li@example.cn", "mail w***@example.cn"),
            ("订单号 2024010112345 不是手机号", "订单号 2024010112345 不是手机号"),
        ],
    )
    def test_masks_phone_id_card_and_email(self, raw: str, masked: str) -> None:
        assert mask_text(raw) == masked


def test_structured_log_lines_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(log_json=True, log_level="INFO"))
    structlog.get_logger("t").info("customer.called", phone="13812345678", note="email a.b@c.cn")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["phone"] == "138****5678"
    assert record["note"] == "email a***@c.cn"
    assert "13812345678" not in line
