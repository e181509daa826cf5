"""Every text a rep or manager reads, in one catalogue (Simplified Chinese).

Code refers to texts by key and fills ``{placeholders}`` with :func:`text`. CLI help and docs
are English and live with the code; what lands in a workbook or a finding lives here.
"""

from __future__ import annotations

# Validation findings: code → message template. Placeholders: {sheet} {row} {column}
# {header} {value} and the extras named in each template.
FINDINGS: dict[str, str] = {
    "missing_sheet": "缺少工作表“{sheet}”：请使用 kqxl init 生成的模板，或把工作表改名为“{sheet}”。",
    "no_header_row": "工作表“{sheet}”的前 {rows} 行中找不到表头（应包含“{expected}”等列）。",
    "missing_column": "工作表“{sheet}”缺少必需的列“{header}”：请在表头行补上这一列。",
    "duplicate_column": "表头“{header}”出现了两次（{column} 列与 {other} 列），只使用第一列。",
    "required_missing": "“{header}”为必填项，不能为空。",
    "error_value": "“{header}”是错误值 {value}：请修正公式或改为直接填写的值。",
    "not_a_number": "“{header}”应为数字（如 12000 或 1.2万），实际为“{value}”。",
    "not_an_integer": "“{header}”应为整数，实际为“{value}”。",
    "negative": "“{header}”不应为负数，实际为“{value}”。",
    "not_a_date": "“{header}”应为日期（如 2024-05-03），实际为“{value}”。",
    "implausible_date": "“{header}”的日期“{value}”不在合理范围内（1900–2100 年）。",
    "not_a_bool": "“{header}”应为“是”或“否”，实际为“{value}”。",
    "not_a_choice": "“{header}”应为 {choices} 之一，实际为“{value}”。",
    "merged_cells": "数据区有合并单元格 {value}：只读取左上角的值，请取消合并。",
    "duplicate_key": "“{header}”为“{value}”的行重复（另见第 {other} 行）：编号必须唯一。",
    "duplicate_name": "“{header}”为“{value}”的客户重复（另见第 {other} 行）：名称必须唯一。",
    "unknown_customer": "“{header}”填写的“{value}”在客户表中找不到：请填写客户表中的客户名称或客户编号。",
    "wrong_customer_type": "“{header}”填写的“{value}”在客户表中的类型是“{actual}”，不是“{expected}”。",
    "formula_text": "“{header}”以“{value}”开头，kqxl 按文本处理，不会当作公式执行。",
}

# Errors that stop a job: one line each, naming the file and what to do next.
ERRORS: dict[str, str] = {
    "file_not_found": "{path}：文件不存在。",
    "not_xlsx": "{path}：不是 xlsx/xlsm 工作簿（{detail}）。请在 Excel 中另存为 .xlsx 后重试。",
    "empty_file": "{path}：文件为空（0 字节）。",
    "corrupt": "{path}：工作簿已损坏，无法读取（{detail}）。请用 Excel 打开修复或从备份恢复。",
    "encrypted": "{path}：工作簿设置了打开密码，kqxl 无法读取。请在 Excel 中取消密码后重试。",
    "too_large": "{path}：{detail}，超过安全上限，可能是压缩炸弹，已拒绝处理。",
    "hostile_xml": "{path}：{part} 含有不安全的 XML（{detail}），已拒绝处理。",
    "locked": "{path}：文件正在被 {owner} 在 Excel/WPS 中打开（锁文件 {lock}，{age} 前创建）。请关闭后重试；锁文件已失效时可加 --force。",
    "changed_on_disk": "{path}：读取后文件已被修改（{detail}），为避免覆盖他人的修改已停止写入，请重新运行。",
    "write_failed": "{path}：写入失败（{detail}），原文件未改动。",
    "verify_failed": "{path}：写入后校验失败（{detail}），原文件未改动。",
    "sheet_not_found": "{path}：找不到工作表“{sheet}”。",
    "rules_invalid": "{path}：第 {line} 行，{field}：{detail}",
    "rules_not_found": "{path}：规则文件不存在。",
    "busy": "{path}：另一个 kqxl 进程正在写入此文件，请稍后重试。",
    "row_limit": "{path}：工作表“{sheet}”已写到第 1048576 行（Excel 的最后一行），无法再追加 {cell}。请把数据拆到新的工作表。",
    "bad_cell": "{path}：工作表“{sheet}”的单元格位置 {cell} 无效（行 1–1048576，列 1–16384）。",
    "array_formula": "{path}：工作表“{sheet}”的 {cell} 属于数组公式 {ref}，kqxl 不能只改其中一格。请先在 Excel 中删除该数组公式。",
    "bad_value": "{path}：工作表“{sheet}”的 {cell} 的值类型 {detail} 无法写入工作簿。",
    # Rules file details (the {detail} of rules_invalid) and condition-expression errors.
    "rules_toml": "不是有效的 TOML（{detail}）",
    "rules_missing": "缺少此项",
    "rules_unknown_key": "未知的设置项（请检查拼写）",
    "rules_expected": "应为{expected}，实际为 {value}",
    "rules_require": "require 应为 \"all\"（全部）、\"half\"（一半，向上取整）或 1 到 {n} 之间的整数，实际为 {value}",
    "rules_duplicate_level": "等级 {level} 重复出现",
    "rules_level_range": "等级应为 1 到 {max} 之间的整数（labels.grades 中定义了 {max} 个等级），实际为 {level}",
    "rules_level_gap": "等级应从 1 开始连续编号，缺少等级 {level}",
    "rules_duplicate_percent": "热度 {percent}% 重复出现",
    "rules_grade_labels": "labels.grades 至少需要 2 项（第一项为未评级的名称）",
    "rules_condition": "条件“{label}”：{detail}",
    "expr_at": "第 {position} 个字符处：{detail}",
    "expr_unexpected": "无法识别的字符“{token}”",
    "expr_unclosed_string": "引号没有闭合",
    "expr_bad_date": "“{value}”不是有效日期（应如 2024-05-03）",
    "expr_unexpected_end": "表达式不完整，缺少{expected}",
    "expr_expected": "此处应为{expected}，实际为“{token}”",
    "expr_empty": "条件为空",
    "expr_unknown_name": "未知的列名“{name}”{hint}",
    "expr_did_you_mean": "（是否指：{names}？）",
    "expr_not_a_condition": "“{name}”不是条件：请写成比较，如 {name} = \"是\" 或 {name} >= 3",
    "expr_blank_needs_name": "为空/非空 前面应为列名",
    "expr_in_needs_name": "IN 前面应为列名",
    "expr_compare_needs_name": "比较的一边应为列名",
    "expr_no_order": "“{name}”只能用 = 或 != 比较",
    "expr_kind_mismatch": "“{left}”与“{right}”类型不同，不能比较",
    "expr_not_a_choice": "“{name}”没有选项“{value}”（可选：{choices}）",
    "expr_wrong_literal": "“{name}”应与{expected}比较，实际为 {value}",
}

# Words that appear in workbooks kqxl writes.
LABELS: dict[str, str] = {
    "not_applicable": "不适用",
    "ungraded": "未评级",
    "no_heat": "0%",
    "yes": "是",
    "no": "否",
    "none": "无",
    "joiner": "；",
    "all_met": "已达最高等级",
    "heat_all_met": "已达最高热度",
    "unknown_grade": "未知",
    "sheet_readme": "说明",
    "sheet_rules": "规则",
    "group_row_hint": "灰色列由 kqxl 计算，请勿填写",
    # Rules described to a manager (kqxl rules check, the 规则 sheet) and reasons/gaps.
    "require_all": "全部满足",
    "require_half": "至少满足一半（{k}/{n} 项）",
    "require_k": "至少满足 {k}/{n} 项",
    "require_cumulative": "，且已达到下一级以下的各级",
    "rules_section_heat": "成交热度",
    "rules_floor": "以上都不满足时的热度",
    "reason_item": "{level}：{label}",
    "gap_need_k": "{level}：以下 {m} 项中还需满足 {k} 项",
    "gap_lower_first": "{level}：需先达到{lower}",
}


# What the command line prints besides findings (the lines a rep or manager reads).
CLI: dict[str, str] = {
    "created": "已创建 {path}",
    "rules_ok": "规则有效：{path}",
    "default_rules": "内置默认规则",
    "summary": "{file}：客户 {customers} 行，项目 {projects} 行，发现 {findings} 个问题。",
    "grades": "客情等级：{counts}",
    "heats": "成交热度：{counts}",
    "written": "已写入 {path}（{cells} 个单元格）",
    "backup": "原文件备份：{path}",
}


def text(catalogue: dict[str, str], key: str, **values: object) -> str:
    """The catalogue entry ``key`` with its placeholders filled."""
    return catalogue[key].format(**values)
