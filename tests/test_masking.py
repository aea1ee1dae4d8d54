"""PII masking formats."""

from authz.masking import mask_address, mask_id_card, mask_phone


def test_id_card_keeps_first_three_and_last_four() -> None:
    assert mask_id_card("500116198907081234") == "500***********1234"
    assert mask_id_card("50011619890708123X") == "500***********123X"


def test_phone_keeps_first_three_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_short_values_are_fully_hidden() -> None:
    assert mask_phone("12345") == "*****"
    assert mask_id_card("1234567") == "*******"


def test_address_keeps_only_the_district() -> None:
    assert mask_address("重庆市江津区圣泉街道浒溪社区3号2单元5-1") == "重庆市江津区****"
    assert mask_address("") == ""
