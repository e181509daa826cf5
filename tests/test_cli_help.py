"""Everything the command line shows a user is Chinese: help, usage, click's own errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kqxl.cli import KqxlGroup, cli
from kqxl.clihelp import display_width, wrap

# ASCII words a Chinese help may hold besides option names and example lines: product and
# format names, the date pattern, the backup folder, the roman grades.
ALLOWED_WORDS = {
    "kqxl",
    "xlsx",
    "xlsm",
    "xlam",
    "TOML",
    "JSON",
    "UTF",
    "Excel",
    "LibreOffice",
    "YYYY",
    "MM",
    "DD",
    "IV",
    "backups",
}


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


COMMANDS = sorted(_commands(cli))
COMMAND_NAMES = {name for path in COMMANDS for name in path}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="kqxl", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def english_words(help_text: str) -> list[str]:
    """ASCII words of ``help_text`` outside option names and example blocks."""
    words: list[str] = []
    in_example = False
    for line in help_text.splitlines():
        if line.strip() == "示例：":
            in_example = True
            continue
        if in_example:
            if not line.strip():
                in_example = False
            continue
        prose = re.sub(r"(?<![\w.])--?[a-z][\w-]*", " ", line)  # option names
        prose = re.sub(r"\S+\.(xlsx|toml)\b", " ", prose)  # file names
        words += [w for w in re.findall(r"[A-Za-z]{2,}", prose) if w not in ALLOWED_WORDS]
    return [w for w in words if w not in COMMAND_NAMES]


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "kqxl")
def test_every_help_is_chinese_with_an_example(path: tuple[str, ...]) -> None:
    code, out, _ = run(*path, "--help")
    assert code == 0
    assert out.startswith(f"用法： kqxl {' '.join(path)} [选项]".replace("  ", " "))
    assert "选项：" in out and "显示本帮助并退出。" in out
    assert english_words(out) == [], out
    assert "\n  示例：\n" in out  # every command teaches by example
    assert all(display_width(line) <= 80 for line in out.splitlines()), out


def test_the_english_check_can_fail() -> None:
    assert english_words("  Show this message and exit.") == [
        "Show",
        "this",
        "message",
        "and",
        "exit",
    ]
    assert english_words("  --keep-backups 整数  保留 kqxl 的备份。") == []


def test_usage_errors_are_chinese_lines() -> None:
    code, _, err = run("nosuch")
    assert code == 2
    assert err == (
        "用法： kqxl [选项] 命令 [参数]...\n"
        "运行“kqxl --help”查看帮助。\n\n"
        "错误：没有命令“nosuch”。\n"
    )
    assert run("valdate")[2].endswith("错误：没有命令“valdate”。是否指“validate”？\n")
    assert run("recompute")[2].endswith("错误：缺少参数“工作簿”。\n")
    assert run("validate", "x.xlsx", "--nope")[2].endswith("错误：没有选项“--nope”。\n")
    assert run("recompute", "x.xlsx", "--keep-backups", "abc")[2].endswith(
        "错误：“--keep-backups”的值无效：“abc”不是有效的整数。\n"
    )
    assert run("rules", "export", "--output")[2].endswith("错误：选项“--output”需要一个值。\n")
    assert run("validate", "x.xlsx", "--today", "2026-13-01")[2] == (
        "kqxl: --today 的值“2026-13-01”不是日期，应如 2026-05-03。\n"
    )
    code, out, _ = run("--version")
    assert code == 0 and re.fullmatch(r"kqxl 版本 \S+\n", out)


def test_a_folder_argument_that_is_a_file(tmp_path: object) -> None:
    code, _, err = run("init", __file__)
    assert code == 2
    assert err.endswith(f"错误：“文件夹”的值无效：文件夹“{__file__}”是文件，不是文件夹。\n")


def test_schema_names_types_and_owners_in_chinese() -> None:
    code, out, _ = run("schema")
    assert code == 0
    assert "  基本细节  客户名称      \tcustomer_name         文本，业务员，必填\n" in out
    assert "下拉选择，业务员，必填  [甲方/总包/设计院/经销商/零售店/其他]" in out
    for english in ("text", "rep", "manager", "computed", "required", "choice"):
        assert not re.search(rf"(?<![\w_]){english}(?![\w_])", out), english


def test_a_new_command_of_the_group_gets_chinese_help() -> None:
    group = KqxlGroup(name="kqxl")

    @group.command(help="做一件新的事。\n\n\b\n示例：\n  kqxl new 工作簿.xlsx")
    @click.argument("files", nargs=-1, required=True)
    @click.option("--limit", type=int, help="最多几个。")
    def new(files: tuple[str, ...], limit: int | None) -> None:
        click.echo("好")

    runner = CliRunner()
    out = runner.invoke(group, ["new", "--help"], prog_name="kqxl").stdout
    assert out.startswith("用法： kqxl new [选项] 工作簿...\n")
    assert "--limit 整数  最多几个。" in out and "显示本帮助并退出。" in out
    assert english_words(out) == ["new"]  # its own name, in the usage line
    listing = runner.invoke(group, ["--help"], prog_name="kqxl").stdout
    assert "  new  做一件新的事。\n" in listing
    err = runner.invoke(group, ["new"], prog_name="kqxl").stderr
    assert err.endswith("错误：缺少参数“工作簿”。\n")


def test_other_click_programs_keep_their_english() -> None:
    run("--help")  # kqxl has run in this process

    @click.command()
    @click.argument("name")
    def other(name: str) -> None:
        pass

    result = CliRunner().invoke(other, [])
    assert result.stderr.startswith("Usage: other [OPTIONS] NAME\n")
    assert "Error: Missing argument 'NAME'." in result.stderr


def test_wrap_counts_cjk_as_two_columns() -> None:
    lines = wrap("检查工作簿的每一行，列出问题（不写入任何文件）。", 20)
    assert lines == ["检查工作簿的每一行，", "列出问题（不写入任", "何文件）。"]
    assert wrap("\b\n示例：\n  kqxl init 文件夹", 10) == ["示例：", "  kqxl init 文件夹"]


# ---- the user guide ---------------------------------------------------------------------------

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "使用说明.md"


def test_the_readme_links_the_chinese_guide() -> None:
    readme = (GUIDE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert "(docs/使用说明.md)" in readme
    guide = GUIDE.read_text(encoding="utf-8")
    for heading in ("## 给业务员", "## 给经理", "## 规则文件：一步一步改"):
        assert heading in guide
    for command in sorted(COMMAND_NAMES - {"export", "check", "build"}):
        assert f"kqxl {command}" in guide, command


def test_the_guides_rules_example_is_a_valid_rules_file(tmp_path: Path) -> None:
    """The edit the guide walks through (甲方 I级: 4 visits, 4 of 5 conditions) checks out."""
    guide = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", guide, re.S)
    original, require, condition = blocks[0], blocks[1].strip(), blocks[2].rstrip("\n")
    code, exported, _ = run("rules", "export")
    assert code == 0 and original in exported  # the guide quotes the real file
    [visits] = [line for line in original.splitlines() if "拜访次数 >= 3" in line]
    edited = original.replace('require = "all"', require).replace(visits, condition)
    assert edited != original and condition in edited and require in edited
    rules = tmp_path / "规则.toml"
    rules.write_text(exported.replace(original, edited), encoding="utf-8")
    code, out, err = run("rules", "check", str(rules))
    assert code == 0, err
    assert "甲方】\n  I级 — 至少满足 4/5 项\n" in out
    assert '    · 拜访≥4次，客户对业务员不排斥：拜访次数 >= 4 且 不排斥业务员 = "是"\n' in out
    assert out.endswith(f"规则有效：{rules}\n")
