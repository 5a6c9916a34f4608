"""`--ar` and `--model` in a prompt: found anywhere, taken out of the text that is drawn."""

from __future__ import annotations

import pytest

from bot.drawing.options import PromptOptions, normalised_ratio, parse_options


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a red fox", PromptOptions("a red fox")),
        (None, PromptOptions(None)),
        ("", PromptOptions("")),
        ("a red fox --ar 16:9", PromptOptions("a red fox", ar="16:9")),
        ("--ar 16:9 a red fox", PromptOptions("a red fox", ar="16:9")),
        ("a red --ar 16:9 fox", PromptOptions("a red fox", ar="16:9")),
        ("a fox --model flux-dev --ar 21:9", PromptOptions("a fox", ar="21:9", model="flux-dev")),
        ("a fox --ar=4:3", PromptOptions("a fox", ar="4:3")),
        ("a fox --AR 4:3 --Model FLUX-DEV", PromptOptions("a fox", ar="4:3", model="FLUX-DEV")),
        # Phones turn "--" into a dash as people type.
        ("a fox —ar 16:9 –model flux-dev", PromptOptions("a fox", ar="16:9", model="flux-dev")),
        # A title with spaces, quoted in any of the usual ways.
        ('a fox --model "GPT Image 1 (high)"', PromptOptions("a fox", model="GPT Image 1 (high)")),
        ("a fox --model «Imagen 3»", PromptOptions("a fox", model="Imagen 3")),
        ("a fox --model “Imagen 3”", PromptOptions("a fox", model="Imagen 3")),
        # The sentence's own full stop is not part of the value.
        ("a fox in the snow --ar 16:9.", PromptOptions("a fox in the snow", ar="16:9")),
        # The last one wins.
        ("a fox --ar 1:1 --ar 9:16", PromptOptions("a fox", ar="9:16")),
        # Without a value: "" (the caller lists what may follow).
        ("a fox --ar", PromptOptions("a fox", ar="")),
        ("a fox --model", PromptOptions("a fox", model="")),
        ("a fox --ar --model flux-dev", PromptOptions("a fox", ar="", model="flux-dev")),
        # Only the options themselves: nothing is left to draw.
        ("--ar 16:9", PromptOptions("", ar="16:9")),
        # Not options: inside a word, other names, longer words, a single hyphen.
        ("a fox--ar 16:9", PromptOptions("a fox--ar 16:9")),
        ("a --artistic fox", PromptOptions("a --artistic fox")),
        ("a fox --style raw", PromptOptions("a fox --style raw")),
        ("a fox -ar 16:9", PromptOptions("a fox -ar 16:9")),
        ("cats -- and dogs", PromptOptions("cats -- and dogs")),
        # Other lines keep their line breaks.
        ("line one\nline two --ar 1:1", PromptOptions("line one\nline two", ar="1:1")),
    ],
)
def test_options_are_taken_out_of_the_prompt(text: str | None, expected: PromptOptions) -> None:
    assert parse_options(text) == expected


@pytest.mark.parametrize(
    ("written", "ratio"),
    [("16:9", "16:9"), ("16x9", "16:9"), ("16×9", "16:9"), ("16/9", "16:9"), (" 4：3 ", "4:3")],
)
def test_ratios_are_written_the_way_gptunnel_reads_them(written: str, ratio: str) -> None:
    assert normalised_ratio(written) == ratio
