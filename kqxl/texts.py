"""Every text a rep or manager reads, in one catalogue (Simplified Chinese).

Code refers to texts by key and fills ``{placeholders}`` with :func:`text`. What lands in a
workbook or a finding, what the command line prints, its help (:data:`HELP`) and click's own
words (:data:`CLICK`) live here; developer docs are English and live with the code.
"""

from __future__ import annotations

# Validation findings: code → message template. Placeholders: {sheet} {row} {column}
# {header} {value} and the extras named in each template.
FINDINGS: dict[str, str] = {
    "missing_sheet": "缺少工作表“{sheet}”：请使用 kqxl init 生成的模板，或把工作表改名为“{sheet}”。",
    "no_header_row": "工作表“{sheet}”的前 {rows} 行中找不到表头（应包含“{expected}”等列）。",
    "missing_column": "工作表“{sheet}”缺少必需的列“{header}”{hint}请在表头行补上这一列或把表头改回“{header}”。",
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
    "merged_output": "“{header}”的 {column}{row} 被合并单元格 {value} 遮住：kqxl 写在这里的结果不会显示，请取消合并。",
    "duplicate_key": "“{header}”为“{value}”的行重复（另见第 {other} 行）：编号必须唯一。",
    "duplicate_name": "“{header}”为“{value}”的行重复（另见第 {other} 行）：名称必须唯一。",
    "unknown_customer": "“{header}”填写的“{value}”在客户表中找不到：请填写客户表中的客户名称或客户编号。",
    "wrong_customer_type": "“{header}”填写的“{value}”在客户表中的类型是“{actual}”，不是“{expected}”。",
    "formula_text": "“{header}”以“{value}”开头，kqxl 按文本处理，不会当作公式执行。",
    "formula_not_calculated": "“{header}”的公式 {value} 尚未计算，暂按空白处理：请在 Excel 中打开并保存，或用 --recalc。",
    "shared_formula_not_calculated": "“{header}”的公式尚未计算，暂按空白处理：请在 Excel 中打开并保存，或用 --recalc。",
    "computed_typed_over": "“{header}”由 kqxl 计算，请勿填写：手工填写的“{value}”在重算时换成计算结果。",
}

# Errors that stop a job: one line each, naming the file and what to do next.
ERRORS: dict[str, str] = {
    "file_not_found": "{path}：文件不存在，请检查路径和文件名。",
    "not_xlsx": "{path}：不是 xlsx/xlsm 工作簿（{detail}）。请在 Excel 中另存为 .xlsx 后重试。",
    "unreadable": "{path}：无法打开文件（{detail}）。请检查文件权限，或关闭占用它的程序后重试。",
    "empty_file": "{path}：文件为空（0 字节），请从备份恢复或重新保存。",
    "corrupt": "{path}：工作簿已损坏，无法读取（{detail}）。请用 Excel 打开修复或从备份恢复。",
    "encrypted": "{path}：工作簿设置了打开密码，kqxl 无法读取。请在 Excel 中取消密码后重试。",
    "too_large": "{path}：{detail}，超过安全上限，可能是压缩炸弹，已拒绝处理。",
    "too_large_total": "{path}：{detail}，超过安全上限，可能是压缩炸弹，已拒绝处理。如确认文件来源可靠（如很大的团队总表），请设置环境变量 {env}={suggest}（单位 MiB）后重试。",
    "output_too_large": "{path}：写入后的工作簿解压后将有 {size} MiB，超过读取上限 {limit} MiB，kqxl 以后会拒绝读取它，因此没有写入，原文件未改动。如确认无误，请设置环境变量 {env}={suggest}（单位 MiB）后重试。",
    "bad_unzipped_cap": "环境变量 {env} 的值“{value}”无效：应为以 MiB 计的正数，如 2048。请改正或删除它后重试。",
    "hostile_xml": "{path}：{part} 含有不安全的 XML（{detail}），已拒绝处理。",
    "locked": "{path}：文件正在被 {owner} 在 Excel/WPS 中打开（锁文件 {lock}，{age} 前创建）。请关闭后重试。",
    "changed_on_disk": "{path}：读取后文件已被修改（{detail}），为避免覆盖他人的修改已停止写入，请重新运行。",
    "write_failed": "{path}：写入失败（{detail}），原文件未改动。请检查文件夹是否可写、磁盘是否已满后重试。",
    "verify_failed": "{path}：写入后校验失败（{detail}），原文件未改动。请重试；仍失败时请把该文件交给管理员检查。",
    "sheet_not_found": "{path}：找不到工作表“{sheet}”，请检查工作表名称。",
    "sheet_without_rid": "{path}：工作表“{sheet}”在 xl/workbook.xml 中缺少关系编号（r:id），无法确定它的内容是哪个部件，kqxl 没有读写它。请在 Excel 中打开（会提示修复）并保存后重试。",
    "rules_invalid": "{path}：第 {line} 行，{field}：{detail}",
    "rules_not_found": "{path}：规则文件不存在，请检查路径和文件名。",
    "busy": "{path}：另一个 kqxl 进程正在写入此文件，请稍后重试。",
    "read_only": "{path}：文件是只读的（或你没有写入权限），kqxl 不会改写它。请在文件属性中取消只读，或请文件所有者开放写权限后重试。",
    "kqxl_dir_not_writable": "{path}：无法在文件夹 {folder} 中写入（{detail}），kqxl 在这里存放写入锁和备份。请让管理员开放该文件夹的写权限，或把工作簿复制到自己可写的文件夹后重试。",
    "row_limit": "{path}：工作表“{sheet}”已写到第 1048576 行（Excel 的最后一行），无法再追加 {cell}。请把数据拆到新的工作表。",
    "bad_cell": "{path}：工作表“{sheet}”的单元格位置 {cell} 无效（行 1–1048576，列 1–16384）。",
    "recalc_unavailable": "{path}：未安装 LibreOffice（找不到 soffice），无法重新计算公式。请安装 LibreOffice，或在 Excel 中打开并保存后重试。",
    "recalc_failed": "{path}：LibreOffice 未能计算公式（{detail}）。请在 Excel 中打开并保存后重试。",
    "sheet_too_sparse": "{path}：工作表“{sheet}”的 {cells} 个单元格散布在过大的范围里，kqxl 无法读取。请在 Excel 中按 Ctrl+End 找到远处多余的单元格，删除其所在的行和列后保存重试。",
    "merged_hidden": "{path}：工作表“{sheet}”的 {cell} 被合并单元格 {ref} 遮住，写在这里的值不会显示。工作簿未改动；请先在 Excel 中取消合并。",
    "array_formula": "{path}：工作表“{sheet}”的 {cell} 属于数组公式 {ref}，kqxl 不能只改其中一格。请先在 Excel 中删除该数组公式。",
    "bad_value": "{path}：工作表“{sheet}”的 {cell} 的值类型 {detail} 无法写入工作簿，请改为文本、数字、日期或是/否。",
    "exists": "{paths} 已存在，未做任何改动。",
    "unknown_keys": "工作表“{sheet}”的行含有表结构中没有的列：{keys}。",
    "bad_date": "{option} 的值“{value}”不是日期，应如 2026-05-03。",
    "out_single": "--out 只能与一个文件一起使用（给了 {count} 个文件）。",
    "os_error": "{path}：系统错误（{detail}）。",
    "holidays_invalid": "{path}：调休数据文件有误（{detail}），请按 kqxl 附带的 holidays-2027.toml 的格式填写。",
    "no_workbooks": "{path}：文件夹中没有 .xlsx 工作簿。",
    "bad_days": "提醒的天数 {value} 无效，应为 0 或更大的整数。",
    "care_sheet_taken": "{path}：已有一个不是 kqxl 生成的“提醒”工作表，kqxl 不会覆盖它。请把该工作表改名后重试。",
    "internal": "kqxl 内部错误（{kind}），不是工作簿的问题：请把这一行报告给维护者；设置环境变量 KQXL_DEBUG=1 后重新运行可看到详细信息。",
    "settings_invalid": "{path}：工作表“{sheet}”第 {row} 行，{label}：{detail}。请从备份恢复该工作表，或把该行的值改回原样后重试。",
    "not_kqxl_sheet": "{path}：已有一个不是 kqxl 生成的工作表“{sheet}”，kqxl 需要用这个名称保存{purpose}。请把该工作表改名后重试。",
    "rules_sheet_invalid": "{path}：工作表“{sheet}”第 {row} 行：{detail}。请用规则文件重新存入规则。",
    "rules_block_unclosed": "规则原文不完整，找不到结束行“【kqxl 规则原文结束】”",
    "rules_block_edited": "规则原文与结束行记录的指纹不符（被手工改动过，或只复制了一部分）",
    "rules_gbk": "{path}：该文件是 GBK 编码，请另存为 UTF-8（记事本：文件 → 另存为 → 编码选“UTF-8”）后重试。",
    "sheet_kept": "{path}：工作表“{sheet}”中的{what}与新内容不相容，kqxl 不能替换该工作表（替换会使其损坏）。请在 Excel 中删除它或把该工作表改名后重试。",
    # Team sync
    "sync_busy": "{path}：{who} 正在同步这份总表（自 {since} 起），请稍后重试。",
    "master_unusable": "{path}：不能作为团队总表同步：{reason}。",
    "journal_damaged": "{path}：同步日志已损坏，无法读取（{detail}）。kqxl 不会自动重建它：请从备份恢复该文件，或把它移走后重新同步（将按首次同步处理）。",
    "journal_missing": "{path}：找不到同步日志，这份总表还没有同步过。",
    "sync_unknown": "{path}：同步日志中没有同步 {id}。",
    "undo_refused": "{path}：不能撤销同步 {id}：{reason}。",
    "undo_changed": "{file} 在同步后又被修改过",
    "undo_later": "之后的同步 {later} 又写入过文件，请先撤销它",
    "undo_done": "它已被撤销过",
    "undo_unfinished": "它没有完成（写入时被中断，之后的同步已把它补完）",
    "undo_no_copy": "找不到 {file} 同步前的副本 {copy}",
    # Deleting or moving rows: rows_refused carries one of the rows_* details below.
    "rows_refused": "{path}：不能删除或移动工作表“{sheet}”的行：{detail}。工作簿未改动；请先在 Excel 中调整，或手工删除这些行。",
    "rows_conflict": "{path}：工作表“{sheet}”第 {row} 行既要删除或移动，又要修改其中的单元格，请只做一种。",
    "rows_anchored": "{what}位于要删除的第一行或其下方，删除后位置无法保证",
    "rows_formula": "{where} 的公式引用了会移动的单元格",
    "rows_name": "名称“{name}”指向会移动的单元格",
    "rows_chart": "图表或数据透视表（{part}）引用了会移动的单元格",
    "rows_table_header": "要删除的行是表格“{name}”的标题行或汇总行",
    "rows_table_empty": "删除后表格“{name}”将没有数据行",
    "rows_same_sheet": "行只能移到另一个工作表，不能移到“{sheet}”本身",
    # Rules file details (the {detail} of rules_invalid) and condition-expression errors.
    "rules_toml": "不是有效的 TOML（{detail}）",
    "rules_missing": "缺少此项",
    "rules_unknown_key": "未知的设置项（请检查拼写）",
    "rules_expected": "应为{expected}，实际为 {value}",
    "rules_require": 'require 应为 "all"（全部）、"half"（一半，向上取整）或 1 到 {n} 之间的整数，实际为 {value}',
    "rules_duplicate_level": "等级 {level} 重复出现",
    "rules_level_range": "等级应为 1 到 {max} 之间的整数（labels.grades 中定义了 {max} 个等级），实际为 {level}",
    "rules_level_gap": "等级应从 1 开始连续编号，缺少等级 {level}",
    "rules_duplicate_percent": "热度 {percent}% 重复出现",
    "rules_grade_labels": "labels.grades 至少需要 2 项（第一项为未评级的名称）",
    "rules_condition": "条件“{label}”：{detail}",
    "rules_too_large": "规则文件过大（{size} 字节，上限 {limit} 字节），请确认选的是规则文件",
    "rules_too_deep": "数组或花括号嵌套层数过多，规则文件中不需要这样的嵌套",
    "rules_too_many_digits": "数字有 {digits} 位，过长，请检查这个数",
    "rules_control_char": "含有 Excel 单元格无法保存的控制字符（{char}），请删除",
    "rules_text_too_long": "文字有 {length} 个字符，超过上限 {limit}（要写入工作簿），请缩短",
    "rules_too_many": "最多 {limit} 项，实际有 {count} 项",
    "rules_too_many_in_all": "一个客户类型的清单（或成交热度）合计最多 {limit} 个条件，到这一级已有 {count} 个",
    "rules_explanation_too_long": "按这些条件名称生成的“{column}”单元格最长将有 {length} 个字符，超过 Excel 单元格上限 {limit}，请缩短条件名称或减少条件",
    "rules_stored_line_too_long": "存入“规则”工作表时这一行有 {length} 个字符，超过 Excel 单元格上限 {limit}，请缩短",
    "expr_at": "第 {position} 个字符处：{detail}",
    "expr_unexpected": "无法识别的字符“{token}”",
    "expr_unclosed_string": "引号没有闭合",
    "expr_bad_date": "“{value}”不是有效日期（应如 2024-05-03）",
    "expr_unexpected_end": "表达式不完整，缺少{expected}",
    "expr_expected": "此处应为{expected}，实际为“{token}”",
    "expr_empty": "条件为空",
    "expr_too_deep": "括号或“非”嵌套超过 {limit} 层，请拆成更简单的条件",
    "expr_unknown_name": "未知的列名“{name}”{hint}",
    "expr_did_you_mean": "（是否指：{names}？）",
    "expr_not_a_condition": '“{name}”不是条件：请写成比较，如 {name} = "是" 或 {name} >= 3',
    "expr_blank_needs_name": "为空/非空 前面应为列名",
    "expr_in_needs_name": "IN 前面应为列名",
    "expr_compare_needs_name": "比较的一边应为列名",
    "expr_no_order": "“{name}”只能用 = 或 != 比较",
    "expr_kind_mismatch": "“{left}”与“{right}”类型不同，不能比较",
    "expr_not_a_choice": "“{name}”没有选项“{value}”（可选：{choices}）",
    "expr_wrong_literal": "“{name}”应与{expected}比较，实际为 {value}",
    # the Excel add-in's buttons
    "book_not_saved": "{book}：请先保存工作簿（文件 → 另存为 .xlsm 或 .xlsx），再点“{button}”。",
    "master_not_found": "{book}：找不到团队总表：本工作簿的“设置”表没有写明同步的总表，或总表不在同一文件夹中。",
    # the Excel add-in's build (kqxl/excel/build.py)
    "addin_no_macros": "{path}：找不到宏源文件（customUI.xml 和 .bas 文件）。请在 kqxl 源码目录中生成加载项，或指定宏源文件夹。",
    "addin_needs": '生成 Excel 加载项需要 {package}：请先安装 kqxl[excel]（pip install "kqxl[excel]"），再重试。',
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
    "require_cumulative": "，且低一级已达到",
    "rules_section_heat": "成交热度",
    "rules_floor": "以上都不满足时的热度",
    "reason_item": "{level}：{label}",
    "gap_need_k": "{level}（以下 {m} 项中还需满足 {k} 项）",
    "cell_group_joiner": "。",
    "cell_item_joiner": "；",
    "notice_prefix": "提示：",
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
    "rules_in_effect": "规则：{rules}；来源：{where}。",
    "rules_stored": "规则已存入工作簿：{rules}",
    "keys_assigned": "已分配编号：{counts}（工作簿编号 {workbook_id}）",
    "keys_count": "{sheet} {n} 个",
    "rules_exported": "已导出规则到 {path}：{rules}",
    "more_findings": "……另有 {n} 个问题未列出；全部问题：kqxl validate {path}",
}


# How to fix an error on the command line, keyed by error code (kqxl.errors.CODES). Only the
# CLI adds these to a message: an Excel button must not advise `--force`.
HINTS: dict[str, str] = {
    "locked": "锁文件已失效（Excel/WPS 已关闭）时可加 --force。",
    "exists": "要覆盖请加 --force。",
    "read_only": "也可以用 --out 把结果写到新文件。",
    "sheet_not_found": "可用 kqxl init 生成的模板对照。",
    "rules_invalid": "改好后可用 kqxl rules check 检查。",
    "damaged": "kqxl 写过的工作簿，其备份在同一文件夹的 .kqxl/backups/ 中。",
    "rules_sheet_invalid": (
        "规则文件可用 kqxl rules export 导出（不带工作簿即为内置默认规则），"
        "再用 kqxl recompute 工作簿 --rules 规则文件 存入。"
    ),
}


# What the templates (kqxl init) write: titles, dropdown messages, the 说明 and 规则 sheets.
TEMPLATE: dict[str, str] = {
    "subject": "客情关系管理",
    "title_master": "团队总表",
    "title_rep": "客户跟进表",
    "title_rep_named": "客户跟进表（{rep}）",
    "group_computed": "{group}（{hint}）",
    "dv_error_title": "请从下拉列表中选择",
    "dv_error": "“{header}”只能填写：{choices}。",
    "readme_title": "{title} · 使用说明",
    "readme_version": "模板版本 {version}，由 kqxl 生成；当前规则：{rules}。",
    "rules_default_name": "内置默认规则",
    "readme_howto": "一、怎样填写",
    "howto_1": (
        "“客户”表每行填写一个往来单位（甲方、总包、设计院、经销商、零售店……），“项目”表每行填写"
        "一个项目。第 1 行是分组，第 2 行是表头，从第 3 行开始填写。"
    ),
    "howto_2": (
        "表头为红色的列必须填写。带下拉箭头的列请从列表中选择；客情清单、热度清单中的是/否列填"
        "写“是”或“否”。"
    ),
    "howto_3": "日期按 2024-05-03 的格式填写；金额、拜访次数填写数字（金额以元为单位）。",
    "howto_8": (
        "项目的甲方、总包请填写“客户”表中的客户名称或客户编号，成交热度会引用它们的客情等级。"
    ),
    "readme_columns": "二、各列说明",
    "readme_rules": "三、客情等级与成交热度规则",
    "readme_rules_note": (
        "全部条件见“规则”工作表（每行一个条件，“要求”列说明需要满足其中多少项）。本工作簿使用哪套"
        "规则见第 2 行；用 kqxl recompute --rules 更换规则时，两处会一起更新。"
    ),
    "col_sheet": "工作表",
    "col_letter": "列",
    "col_header": "表头",
    "col_group": "分组",
    "col_type": "类型",
    "col_required": "必填",
    "col_owner": "填写人",
    "col_choices": "可选值",
    "col_description": "说明",
    "type_text": "文本",
    "type_integer": "整数",
    "type_money": "金额（元）",
    "type_date": "日期",
    "type_bool": "是/否",
    "type_choice": "下拉选择",
    "type_percent": "百分比",
    "owner_rep": "业务员",
    "owner_manager": "经理",
    "owner_computed": "kqxl 计算",
    "rules_title": "当前生效的规则：{name}",
    "rules_note": (
        "每行一个条件。这些规则保存在本工作簿中，kqxl validate / recompute 默认使用它们。修改规则："
        "kqxl rules export 本工作簿.xlsx -o 规则.toml 导出，编辑后用 kqxl rules check 规则.toml "
        "检查，再用 kqxl recompute 本工作簿.xlsx --rules 规则.toml 存入。"
    ),
    "rules_grade_labels": "等级名称：{labels}；没有对应清单的客户类型为“{na}”。",
    "rules_sheet_where": "工作表“{sheet}”",
    "rule_section": "类别",
    "rule_level": "等级",
    "rule_require": "要求",
    "rule_label": "条件",
    "rule_expression": "表达式",
}


# The kqxl-owned 设置 sheet (workbook id, key counters …) and the rules kept in 规则.
STORED: dict[str, str] = {
    "settings_title": "kqxl 设置（由 kqxl 维护，请勿修改或删除本工作表）",
    "settings_note": (
        "kqxl 在这里记下本工作簿的编号和已用到的客户编号、项目编号，保证编号在全团队唯一、"
        "永不重复。请不要复制已重算过的工作簿给他人作为新表使用：新表请用 kqxl init 生成。"
    ),
    "settings_label": "设置项",
    "settings_value": "值",
    "settings_description": "说明",
    "settings_code": "代码",
    "workbook_id": "工作簿编号",
    "workbook_id_note": "首次重算时由 kqxl 随机生成，是本表所有客户编号、项目编号的中间一段。",
    "counter": "{sheet}编号已用到",
    "counter_note": "本工作簿已分配的最大{sheet}编号序号；删除行后也不会回退，编号不会重复使用。",
    "template_kind": "模板类型",
    "template_kind_note": "rep = 业务员的客户跟进表，master = 团队总表。",
    "template_version": "模板版本",
    "template_version_note": "生成本工作簿的 kqxl 模板版本。",
    "rules_fingerprint": "规则指纹",
    "rules_fingerprint_note": "“规则”工作表中规则原文的指纹，规则改变时随之更新。",
    "rules_described": "{name}（版本 {version}，指纹 {fingerprint}）",
    "rules_block_begin": (
        "【kqxl 规则原文】以下各行是上表规则的 TOML 原文，kqxl 据此读取规则，请勿修改。修改规则："
        "kqxl rules export 导出为文件，编辑并用 kqxl rules check 检查后，以 --rules 传给 kqxl recompute。"
    ),
    "rules_block_end": "【kqxl 规则原文结束】指纹 {fingerprint}",
    "rules_where_workbook": "工作簿中保存的规则",
    "rules_where_workbook_named": "{path} 中保存的规则",
    "rules_where_file": "规则文件 {path}",
    "rules_where_default": "内置默认规则",
    "rules_where_given": "调用方指定的规则",
    "export_header": (
        "kqxl 规则：{rules}；来源：{where}。\n"
        "编辑后用 kqxl rules check 本文件 检查，再用 kqxl recompute 工作簿.xlsx --rules 本文件 存入"
        "工作簿。\n请以 UTF-8 编码保存。"
    ),
    "rules_where_file_unnamed": "规则文件",
}


# --- safe writes: nothing overwritten without asking, nothing written without a change ---
ERRORS.update(
    {
        "out_exists": "{path}：文件已存在，kqxl 不会覆盖它，未做任何改动。请换一个文件名。",
    }
)
HINTS.update(
    {
        "out_exists": "确需覆盖时加 --force（原文件会先备份到同一文件夹的 .kqxl/backups/ 中）。",
    }
)
CLI.update(
    {
        "unchanged": "{path}：无变化，未写入（没有新的备份）。",
    }
)


# The 说明 sheet's sentences that promise something. Each one is written only while the
# capability it names exists (kqxl.capabilities); the key says which. A step without a
# capability alternative has an ``_absent`` form that promises nothing.
README: dict[str, str] = {
    "keys_auto": ("客户编号、项目编号留空即可，重算时由 kqxl 自动分配；已有的编号请勿改动。"),
    "keys_absent": "客户编号、项目编号各行唯一，已有的编号请勿改动。",
    "owner_rep": (
        "负责人必须填写：填写负责该客户或项目的业务员姓名（通常就是你自己）；经理可在团队总表中"
        "改派。经理批注由经理填写。"
    ),
    "results_button": (
        "灰色的“计算结果”列（等级、依据、差距、热度、加权金额、校验）由 kqxl 计算，请勿填写："
        "装了 kqxl 加载项（或用启用宏的 .xlsm 模板）时，点击“客情”选项卡的“重算”按钮即可更新；"
        "否则由经理重算后更新。"
    ),
    "results_absent": (
        "灰色的“计算结果”列（等级、依据、差距、热度、加权金额、校验）由 kqxl 计算，请勿填写："
        "经理重算后更新，在这里改了填写列，结果不会立刻变化。在这些列中手工填写的内容，重算时"
        "会被计算结果覆盖。"
    ),
    "results_master": (
        "灰色的“计算结果”列（等级、依据、差距、热度、加权金额、校验）由 kqxl 计算，请勿填写："
        "在命令行运行 kqxl recompute 团队总表.xlsx 更新（手工填写的内容会被计算结果覆盖）。"
    ),
    "checks_tint": "“校验”列不为空的行会以浅红色标出，请按其中的提示修改。",
    "checks_absent": "“校验”列不为空的行有填写问题，请按其中的提示修改。",
    "unprotected": (
        "工作表没有保护：可以排序、筛选、插入或删除行和列。请保留第 2 行的表头文字，kqxl 按表头"
        "找到每一列，列的顺序可以调整。"
    ),
    "protected": (
        "工作表已保护（没有密码），可以筛选、插入行、调整列宽。Excel 不允许在受保护的表中对含锁"
        "定单元格的整行排序或删除：需要时请先在“审阅 → 撤销工作表保护”，完成后再保护工作表。"
    ),
    "master_sync": (
        "团队总表汇总全体业务员的行：经理在这里指定负责人、填写经理批注；kqxl sync 把它与各业务"
        "员的客户跟进表同步。"
    ),
    "master_absent": "团队总表汇总全体业务员的行：经理在这里指定负责人、填写经理批注。",
    "owner_required_manager": "业务员（经理可改派）",
    "anniversary": "用于周年纪念提醒。",
    "cooperation_anniversary": "用于合作纪念日提醒。",
}


# ---------------------------------------------------------------- command-line help

# click's own words, by the English text click looks up (kqxl.clihelp). Placeholders are
# click's. A text click shows that is missing here stays English; tests/test_cli_help.py
# walks every command's help and click's usage errors to catch that.
CLICK: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "No such command {name!r}.": "没有命令“{name}”。",
    "No such option {name!r}.": "没有选项“{name}”。",
    "Did you mean {possibility}?": "是否指 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否指：{possibilities}？）",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "argument": "参数",
    "option": "选项",
    "parameter": "参数",
    "Invalid value: {message}": "无效的值：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项“{name}”需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项“{name}”需要 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项“{name}”不带值。",
    "Argument {name!r} takes {nargs} values.": "参数“{name}”需要 {nargs} 个值。",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”不可读。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”不可写。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不可执行。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not {choice}.": "“{value}”不是 {choice}。",
    "{value!r} is not one of {choices}.": "“{value}”不是 {choices} 之一。",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "“{value}”不是有效的是/否值，可用：{states}"
    ),
    "Aborted!": "已中止。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "deprecated": "已弃用",
    "env var: {var}": "环境变量：{var}",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "integer": "整数",
    "float": "数字",
    "text": "文本",
}

# Names of arguments (by parameter name) and option values (by value type) in usage lines.
METAVARS: dict[str, str] = {
    "options": "[选项]",
    "subcommand": "命令 [参数]...",
    "arg:files": "工作簿",
    "arg:workbook": "工作簿",
    "arg:directory": "文件夹",
    "arg:file": "规则文件",
    "arg:master": "团队总表",
    "arg:reps": "业务员工作簿或文件夹",
    "arg:key": "编号",
    "arg:sync_id": "同步序号",
    "type:file": "文件",
    "type:directory": "文件夹",
    "type:path": "路径",
    "type:integer range": "整数",
    "type:float range": "数字",
    "type:integer": "整数",
    "type:float": "数字",
    "type:text": "文本",
}

# Help of every command and option. A command's help: what it does, then an example block
# (``\b`` keeps its lines as written). The first sentence (up to "。") is its line in the list.
HELP: dict[str, str] = {
    "kqxl": (
        "kqxl：客情关系管理（Excel 工作簿）。\n\n"
        "检查“客户”和“项目”工作表的每一行，按规则计算每个客户的客情关系等级（I–IV 级）和每个项目"
        "的成交热度，并写明依据和升级差距；结果写回工作簿，不改动 kqxl 不负责的任何内容。\n\n"
        "\b\n示例：\n"
        "  kqxl init 团队文件夹\n"
        "  kqxl validate 客户跟进表.xlsx\n"
        "  kqxl recompute 团队总表.xlsx\n\n"
        "每个命令的说明：kqxl 命令 --help（如 kqxl recompute --help）。"
    ),
    "version": "显示版本号并退出。",
    "init": (
        "在文件夹中创建团队总表.xlsx 和客户跟进表.xlsx 两个模板。\n\n"
        "文件夹不存在时会新建；已有同名文件时不做任何改动，除非加 --force。模板默认不保护"
        "工作表，业务员可以排序、删除重复行、插入列；加 --protect 则锁定计算结果列并保护工作表"
        "（没有密码）。\n\n"
        "加 --rep 姓名 --master 团队总表.xlsx 时，改为从团队总表生成这位业务员的客户跟进表（含负责人"
        "为他/她的行、总表的规则），之后用 kqxl sync 同步。\n\n"
        "\b\n示例：\n"
        "  kqxl init 团队文件夹\n"
        "  kqxl init 团队文件夹 --rules 规则.toml --force\n"
        "  kqxl init 团队文件夹 --protect\n"
        "  kqxl init --rep 张伟 --master 团队文件夹/团队总表.xlsx"
    ),
    "init_force": "覆盖已有的模板文件。",
    "init_protect": "保护工作表（没有密码），锁定计算结果列。",
    "schema": (
        "列出各工作表及其列：表头、键名、类型、填写人、可选值。\n\n"
        "\b\n示例：\n"
        "  kqxl schema\n"
        "  kqxl schema --json"
    ),
    "rules": (
        "检查和导出规则文件（客情等级与成交热度的条件）。\n\n"
        "\b\n示例：\n"
        "  kqxl rules check 规则.toml\n"
        "  kqxl rules export 团队总表.xlsx -o 规则.toml"
    ),
    "rules_export": (
        "把当前生效的规则（工作簿中保存的，或内置默认规则）导出为可编辑的 TOML 文件。\n\n"
        "\b\n示例：\n"
        "  kqxl rules export 团队总表.xlsx -o 规则.toml\n"
        "  kqxl rules check 规则.toml\n"
        "  kqxl recompute 团队总表.xlsx --rules 规则.toml"
    ),
    "rules_export_output": "把规则写入这个文件（UTF-8），而不是打印出来。",
    "rules_export_force": "覆盖已有的输出文件。",
    "rules_check": (
        "检查规则文件（不指定时为内置默认规则），并用中文列出各等级的条件。\n\n"
        "\b\n示例：\n"
        "  kqxl rules check\n"
        "  kqxl rules check 规则.toml\n"
        "  kqxl rules check 规则.toml --json"
    ),
    "validate": (
        "检查工作簿的每一行，列出问题、客情等级和成交热度（不写入任何文件）。\n\n"
        "给出多个工作簿时，某个读不了的会报告出来，其余照常检查。有问题时退出码为 1，"
        "无法完成时为 2。\n\n"
        "\b\n示例：\n"
        "  kqxl validate 客户跟进表.xlsx\n"
        "  kqxl validate 团队文件夹/*.xlsx --today 2026-05-03\n"
        "  kqxl validate 团队总表.xlsx --json"
    ),
    "recompute": (
        "计算并写入工作簿的计算结果列（等级、依据、差距、热度、加权金额、校验）。\n\n"
        "只写 kqxl 负责的单元格；原文件先备份到同一文件夹的 .kqxl/backups/，再整体替换。给出多个"
        "工作簿时，某个读不了或写不了的会报告出来，其余照常处理。\n\n"
        "\b\n示例：\n"
        "  kqxl recompute 团队总表.xlsx\n"
        "  kqxl recompute 客户跟进表.xlsx --out 结果.xlsx\n"
        "  kqxl recompute 团队总表.xlsx --rules 规则.toml"
    ),
    "opt_rules": (
        "使用这个规则文件（TOML），而不是工作簿中保存的规则（或内置默认规则）；recompute 和 init "
        "会把它存入工作簿。"
    ),
    "opt_today": "按这一天计算（默认：今天）。",
    "opt_json": "以 JSON 格式输出结果。",
    "opt_recalc": ("用 LibreOffice 计算保存时没有结果值的公式（在副本上进行，不打开原文件）。"),
    "recompute_out": "把结果写到这个新文件，而不是改写原工作簿（只能用于一个工作簿）。",
    "recompute_force": "即使有残留的 Excel 锁文件（~$）也写入；--out 指向已有文件时覆盖它（先备份）。",
    "recompute_tidy": (
        "把按宽松方式读取的输入单元格（如 120万、2024.5.3、Y、业主）改写为真正的数字、日期、"
        "是/否或选项值，使 Excel 的求和与数据透视表也能计入（有备份）。"
    ),
    "remind": (
        "列出未来若干天的客情维护提醒（生日、农历生日、节日、纪念日、客户大事），写入每个工作簿的"
        "“提醒”工作表，加 --ics 时另写一个手机可导入的日历文件。\n\n"
        "可以给出工作簿或文件夹。提醒日遇到周末或法定节假日（含调休）时提前到前一个工作日。\n\n"
        "\b\n示例：\n"
        "  kqxl remind 团队总表.xlsx\n"
        "  kqxl remind 团队文件夹 --days 14 --rep 张伟\n"
        "  kqxl remind 客户跟进表.xlsx --ics 提醒.ics --no-sheet"
    ),
    "remind_days": "列出从今天起这么多天内的提醒。",
    "remind_rep": "只列出负责人为该业务员的客户。",
    "remind_ics": "同时把提醒写入这个日历文件（全天事件），可导入手机日历。",
    "remind_holidays": "某一年的调休安排文件（TOML，格式同 kqxl/data/holidays-2027.toml），用于 kqxl 尚未收录的年份。",
    "remind_no_sheet": "不在工作簿中写入“提醒”工作表。",
    "remind_force": "即使有残留的 Excel 锁文件（~$）也写入。",
    "init_rep": "从 --master 指定的团队总表生成这位业务员的客户跟进表（含负责人为他/她的行）。",
    "init_master": "--rep 生成的工作簿与之同步的团队总表（取其行、规则和工作簿编号）。",
    "init_out": "--rep 生成的工作簿写到这里（默认：总表旁边的 客户跟进表-姓名.xlsx）。",
    "sync": (
        "把团队总表与各业务员的客户跟进表同步（工作簿或文件夹；不指定时为总表所在的文件夹）。\n\n"
        "业务员填写的列从业务员送到总表，负责人和经理批注从总表送到业务员；两边改了同一格且不一致"
        "时按规则保留一方，另一方的值记入“冲突”工作表。任何一行都不会被删除。每个工作簿一行结果，"
        "然后列出冲突和说明；有冲突或跳过的工作簿时退出码为 1。每次同步都记入日志，可用 kqxl "
        "history 查看、kqxl undo 撤销。\n\n"
        "\b\n示例：\n"
        "  kqxl sync 团队文件夹/团队总表.xlsx\n"
        "  kqxl sync 团队总表.xlsx 客户跟进表-张伟.xlsx 客户跟进表-李娜.xlsx\n"
        "  kqxl sync 团队总表.xlsx --dry-run"
    ),
    "sync_dry_run": "只列出同步会做什么，不写入任何文件。",
    "opt_master": "读取这份团队总表的同步日志。",
    "history": (
        "按同步日志列出一行（客户编号或项目编号）的经历：谁在哪次同步中改了什么。\n\n"
        "\b\n示例：\n"
        "  kqxl history KH-7QM4XD-0012 --master 团队总表.xlsx"
    ),
    "undo": (
        "撤销第几次同步：把那次同步写过的每个文件逐字节恢复，并在日志中记为已撤销。\n\n"
        "那些文件之后又被改过，或之后还有同步写过文件时，拒绝撤销。\n\n"
        "\b\n示例：\n"
        "  kqxl undo 12 --master 团队总表.xlsx"
    ),
    "recompute_no_backup": "不在 .kqxl/backups/ 中保留备份。",
    "recompute_keep_backups": "每个工作簿保留多少个备份。",
}

# `kqxl schema`: how a column's flags read.
SCHEMA_TEXTS: dict[str, str] = {
    "required": "必填",
    "sheet": "# {sheet} — {description}",
}


# --- care calendar (客情维护提醒, kqxl remind) ---------------------------------------------
CARE: dict[str, str] = {
    "kind_birthday": "生日",
    "kind_lunar_birthday": "农历生日",
    "kind_holiday": "节日",
    "kind_founded": "成立纪念",
    "kind_partner": "合作纪念",
    "kind_event": "客户大事",
    "kind_misfortune": "慰问",
    "occasion_birthday": "生日",
    "occasion_founded": "成立 {years} 周年",
    "occasion_partner": "合作 {years} 周年",
    "todo_birthday": "给{contact}送生日祝福",
    "todo_founded": "祝贺公司成立 {years} 周年",
    "todo_partner": "感谢合作 {years} 周年，安排回访",
    "todo_event": "祝贺{event}，准备贺礼或到场",
    "todo_misfortune": "立即电话慰问{contact}（{event}）",
    "todo_holiday": "{holiday}问候，安排节礼",
    "contact_unnamed": "联系人",
    "all_customers": "全部客户（{n} 家）",
    "detail_lunar": "农历{day}",
    "detail_round": "逢五逢十",
    "detail_moved": "当天休息，提前到前一个工作日",
    "lunar_header": "农历生日",
    "bad_lunar": "无法识别的农历生日“{value}”：请写成“四月初八”“闰四月初八”或“4月8日”",
    "year_unknown": "{year} 年的调休安排尚未收录，按周末和法定节日休息计算（不含调休）",
    "sheet_title": "客情维护提醒（由 kqxl remind 生成，请勿手工编辑；今天 {today}，未来 {days} 天）",
    "sheet_headers": "提醒日|星期|日期|类别|事项|客户|联系人|负责人|要做的事|说明",
    "sheet_empty": "未来 {days} 天没有需要提醒的事项。",
    "weekdays": "一二三四五六日",
    "list_header": "{file}：{start} 至 {end} 共 {n} 条提醒",
    "list_line": "{remind_on}（周{weekday}） {kind}：{customer} — {todo}{detail}",
    "list_detail": "（{detail}）",
    "list_finding": "{file}:{sheet}!{cell}: {message}",
    "list_notice": "提示：{message}",
    "ics_written": "已写出日历文件 {path}（{n} 个全天事件）",
    "sheet_written": "已写入 {path} 的“提醒”工作表",
    "ics_summary": "{kind}：{customer} {occasion}",
    "ics_description": "要做的事：{todo}\n客户：{customer}\n联系人：{contact}\n负责人：{rep}\n日期：{date}{detail}",
    "ics_calendar": "客情维护提醒",
}


# --- 看板 (the master's and each rep's board, filled by recompute) ------------------------------------------
BOARD: dict[str, str] = {
    "title_prefix": "团队看板",
    "title_empty": "（由 kqxl 在重算时填写，请勿手工编辑数据区）",
    "title_dated": "（由 kqxl 在重算时填写，请勿手工编辑数据区；截至 {today}）",
    "col_rep": "业务员",
    "col_customers": "客户数",
    "col_projects": "项目数",
    "col_amount": "项目金额",
    "col_weighted": "加权金额",
    "col_overdue": "拜访逾期",
    "col_warned": "有预警",
    "col_care": "{days}天内关怀",
    "grades_other": "其他等级",
    "total": "合计",
    "reps_other": "其他 {n} 人",
    "heat_headers": "成交热度|项目数|项目金额|加权金额",
    "chart_grades": "各业务员客户等级分布",
    "chart_pipeline": "成交热度漏斗（加权金额）",
    "chart_values": "各业务员客户价值分类",
    "chart_my_grades": "我的客户等级分布",
    "chart_my_values": "我的客户价值分类",
    "mine_prefix": "我的看板",
    "col_grade": "客情等级",
    "col_value_class": "价值分类",
    "col_value": "{cls}类",
    "value_none": "未分类",
    "col_complaints_open": "未办结投诉",
    "col_complaints_overdue": "投诉响应逾期",
    "print_title": "看板（截至 {today}）：",
    "print_title_mine": "我的看板（截至 {today}）：",
    "print_rep": "  {rep}：客户 {customers}（{grades}；价值分类 {values}），项目 {projects}，加权金额 {weighted} 元，拜访逾期 {overdue}，有预警 {warned}，未办结投诉 {complaints}（响应逾期 {late}），{care_days}天内关怀 {care}",
    "print_heat": "  热度 {label}：项目 {projects}，金额 {amount} 元，加权 {weighted} 元",
}


def text(catalogue: dict[str, str], key: str, **values: object) -> str:
    """The catalogue entry ``key`` with its placeholders filled."""
    return catalogue[key].format(**values)


# --- Reading what a rep typed: renamed columns and sheets, values read leniently,
# placeholders, choice synonyms (findings codes; see kqxl/engine/validate.py).
FINDINGS.update(
    {
        "missing_rule_column": "找不到规则需要的列“{header}”{hint}缺少它，{levels}无法达到。请把表头改回“{header}”。",
        "unknown_column": "表头“{header}”不是 kqxl 的列，kqxl 不读取它，原样保留{hint}。",
        "missing_sheet_renamed": "找不到工作表“{sheet}”，是否指“{other}”？请把该工作表改名为“{sheet}”。",
        "lenient_value": "“{header}”的“{value}”已按 {typed} 读取；它在 Excel 中仍是文本（求和、数据透视表不计入），可用 kqxl recompute --tidy 改写为{kind}。",
        "choice_synonym": "“{header}”的“{value}”按“{typed}”读取（同义词）；可用 kqxl recompute --tidy 改写为“{typed}”。",
        "placeholder": "“{header}”的“{value}”表示没有，按空白处理。",
        "no_schema_sheets": "工作簿中没有“{wanted}”工作表{present}，不是 kqxl 的客户跟进表或团队总表：请用 kqxl init 生成模板，再把数据复制到其中。",
        "count_with_unit": "“{header}”是次数，不能带金额单位，实际为“{value}”：请填写整数（如 3）。",
    }
)

# Files that are not what the command needs (kqxl/book/safety.py).
ERRORS.update(
    {
        "is_folder": "{path}：这是一个文件夹，不是工作簿{files}",
        "wrong_extension": "{path}：内容是 xlsx 工作簿，但扩展名是 {suffix}（文件被改过名）。请把扩展名改回 .xlsx 后重试。",
    }
)

LABELS["wrong_type_grade"] = "—"  # a 甲方/总包 found, but of another 客户类型
CLI["summary_notices"] = "另有 {notices} 条提示（不算问题）。"
# the same notice in many cells of one column, on one line: "AD3、AD5、AD9 等 5000 处"
CLI["notice_cells"] = "{refs} 等 {n} 处"
CLI["rep_needs_master"] = "--rep 和 --master 要一起使用。"
CLI["tidied"] = "已把 {cells} 个按宽松方式读取的单元格改写为数字、日期或标准选项。"

READING: dict[str, str] = {
    "sheets_present": "（只有 {names}）",
    "is_folder_files": "。请给出其中的工作簿文件，如 {files}{more}。",
    "is_folder_more": " 等（另有 {n} 个）",
    "is_folder_empty": "，其中也没有 .xlsx 工作簿。请给出工作簿文件的路径。",
    "did_you_mean": "，是否指“{other}”？",
    "no_hint": "。",
    "did_you_mean_unknown": "（是否应为“{other}”？）",
    "levels_joiner": "、",
    "level": "{ctype} {label}",
    "heat_level": "成交热度 {label}",
    "kind_number": "数字",
    "kind_date": "日期",
    "kind_bool": "“是”或“否”",
    "not_a_choice_column": "“{header}”不是选项列；同义词只能给这些列：{headers}",
    "empty_synonym": "“{choice}”的同义词不能为空白",
}

# ------------------------------------------------------------ the systems beyond grade and heat
# Findings of the visit log, complaints and self-assessment sheets.
FINDINGS.update(
    {
        "not_a_time": "“{header}”应为时刻（如 14:30），实际为“{value}”。",
        "score_range": "“{header}”应为 1 到 5 分，实际为“{value}”。",
    }
)

# What the systems write into cells (kqxl/engine/systems/).
SYSTEM_TEXTS: dict[str, str] = {
    "joiner": "；",
    # 跟进记录
    "visit_source_log": "跟进记录（{n} 条）",
    "visit_source_typed": "本表填写",
    "visit_source_typed_more": "本表填写（多于跟进记录 {n} 条）",
    # value class and key-account face
    "value_basis_share": "{basis}累计占比 {share:.0%}",
    "value_basis_none": "无{basis}",
    "value_basis_amount": "{basis} {amount} 元",
    "value_basis_team": "，按团队分类线（A类 ≥ {a} 元，B类 ≥ {b} 元）",
    "value_basis_team_a": "，按团队分类线（A类 ≥ {a} 元）",
    "value_potential": "，有发展潜力",
    "value_override": "经理指定（计算为 {computed}）",
    "value_override_none": "经理指定",
    "face_red": "红脸",
    "face_white": "白脸",
    "face_black": "黑脸",
    # portfolio and cadence
    "portfolio_明星": "明星：高质量拜访，保持良好关系，维持公司地位",
    "portfolio_现金牛": "现金牛：适度拜访，保持良好关系，维持地位或刺激销量",
    "portfolio_问题": "问题：高质量拜访，改善关系，争取对公司的支持",
    "portfolio_瘦狗": "瘦狗：最低限度的拜访，可能时改善关系、保持存在",
    "visit_overdue": "逾期 {days} 天未拜访",
    "visit_too_frequent": "拜访过频：近 {interval} 天 {count} 次（上限 {limit} 次）",
    # warnings
    "warn_receivable": "欠款：逾期 {days} 天，{amount:,.0f} 元",
    "warn_spend": "费用：客情费用占销售额 {share:.1%}（上限 {limit:.0%}）",
    "warn_spend_no_revenue": "费用：有客情费用 {amount:,.0f} 元，但无销售额",
    "warn_change": "变故：{event}",
    "warn_progress": "进度：{n} 个项目阶段停留过久",
    "warn_complaint": "投诉：{n} 件超时未响应",
    "progress_alert": "“{stage}”阶段已 {days} 天（上限 {limit} 天）",
    # complaints
    "deadline": "{moment:%Y-%m-%d %H:%M}",
    "complaint_on_time": "按时响应",
    "complaint_late": "超时响应（超 {hours:g} 小时）",
    "complaint_overdue": "已逾期，请立即响应",
    "complaint_due_today": "今天 {moment:%H:%M} 前响应",
    "complaint_open": "未到期",
    "complaint_steps": "已完成 {done}/{of}，下一步：{next}",
    "complaint_steps_done": "七步已完成",
    "complaint_calendar_unknown": "（{year} 年调休安排未知，按周末和法定节日休息计，不含调休）",
    # personality tips (seed: needs, fears, how to deal)
    "tip_支配型": (
        "需求：直接的回答、大量的新想法、事实；恐惧：犯错误、没有结果；窍门：充分准备，实话实说，"
        "准备概要并辅以背景资料，从结果的角度谈，给他两到三个方案让他选择，不要挑战他的权威"
    ),
    "tip_表达型": (
        "需求：公众的认可、民主的关系、表达自己的自由、有人帮助实现创意；恐惧：失去大家的赞同；"
        "窍门：表现出活力，提出新的独特的观点，给出例子和佐证，给他时间说话，以书面形式与其确认"
    ),
    "tip_和蔼型": (
        "需求：安全感、真诚的赞赏、传统的方式和程序；恐惧：失去安全感；窍门：放慢语速，以友好但"
        "非正式的方式交流，提供个人帮助，建立信任关系，从对方角度理解，讨论问题时涉及人的因素"
    ),
    "tip_分析型": (
        "需求：安全感、不希望有突然的改变、希望被重视；恐惧：批评、混乱局面、没有清楚的条理、新的"
        "措施方法；窍门：尊重其个人空间，公事公办，摆事实并确保正确，做好准备，语速放慢，集中在事实上"
    ),
}


# Team sync (kqxl sync / history / undo, kqxl init --rep): sheets, report lines, skip reasons.
SYNC: dict[str, str] = {
    "conflict_sheet": "冲突",
    "conflict_title": "同步冲突（由 kqxl 维护）：总表和业务员改了同一格且不一致；保留的值已写入两边，另一个值记在这里和同步日志中。再次修改该格后，下次同步即视为已处理。",
    "conflict_key": "编号",
    "conflict_name": "名称",
    "conflict_sheet_name": "工作表",
    "conflict_column": "列",
    "conflict_rep": "业务员",
    "conflict_master": "总表的值",
    "conflict_rep_value": "业务员的值",
    "conflict_kept": "保留的值",
    "moved_sheet": "已移交{sheet}",
    "moved_title": "以下各行已由经理移交给其他业务员（只读，由 kqxl 维护）：请不要在这里修改。",
    "master": "总表",
    "blank": "（空白）",
    "skip_version": "模板版本为 {version}，本 kqxl 使用版本 {ours}",
    "skip_kind_rep": "这是团队总表，不是业务员的客户跟进表",
    "skip_kind_master": "这是业务员的客户跟进表，不是团队总表",
    "skip_no_sheet": "缺少工作表“{sheet}”",
    "skip_no_key": "工作表“{sheet}”找不到“{header}”列",
    "skip_no_rep": "无法确定属于哪位业务员（设置工作表中没有业务员，负责人也不止一位）",
    "skip_other_master": "绑定的是另一份总表（工作簿编号 {bound}，本总表为 {ours}）",
    "skip_same_rep": "与 {other} 属于同一位业务员 {rep}",
    "skip_changed": "读取后被另一程序保存了（{detail}），本次未写入，以免覆盖；新保存的内容下次同步时合并",
    "refused_manager_column": "{rep} 修改了经理负责的“{column}”为“{value}”：未采用，已恢复为总表的值",
    "refused_not_owner": "{rep} 修改了不属于自己的行的“{column}”为“{value}”：未采用",
    "missing": "该行在{side}中不见了：已恢复，不会删除（如需作废，请经理在总表中把“状态”改为“作废”）",
    "rep_workbook": "{rep}的工作簿",
    "moved": "负责人改为{owner}：已从{rep}的“{sheet}”移到“{target}”（只读），并送到{owner}的工作簿",
    "collision": "编号重复出现在 {sides}：这些行暂不同步，请清空其中一行的编号后重算",
    "duplicate": "可能是同一单位：{rows}（未合并，请经理确认）",
    "progress": "读取工作簿",
    "rules_rep_wins": "“{columns}”不是业务员填写的列（只能列业务员填写的列，不能列负责人、经理批注或计算结果）",
    "line_ok": "{file}：收到 {received}，送出 {sent}，冲突 {conflicts}{written}",
    "line_written": "（已写入）",
    "line_dry": "（预演，未写入）",
    "line_skipped": "{file}：跳过 — {reason}",
    "summary": "同步 {id}：{changed} 处改动，{conflicts} 个冲突，{skipped} 个工作簿跳过。",
    "summary_dry": "预演：{changed} 处改动，{conflicts} 个冲突，{skipped} 个工作簿跳过；未写入任何文件。",
    "summary_none": "没有变化：未写入任何文件。",
    "conflict_line": "冲突 {key}（{name}）“{column}”：总表“{master_value}”，{rep}“{rep_value}”，保留“{kept}”",
    "note_line": "{kind} {key}：{message}",
    "kind_refused": "拒绝",
    "kind_missing": "缺行",
    "kind_moved": "移交",
    "kind_collision": "编号重复",
    "kind_duplicate": "疑似重复",
    "kind_logs": "记录",
    "logs_sent": "{rep}的“{sheet}”新增 {rows} 行，已追加到总表",
    "logs_no_sheet": "总表没有可用的“{sheet}”工作表（或找不到表头），{rep}的 {rows} 行未合并",
    "history_none": "同步日志中没有编号 {key} 的记录。",
    "history_line": "同步 {id}（{when}{undone}）{side} {sheet}“{column}”：{old} → {new}（{what}）",
    "history_undone": "，已撤销",
    "what_update": "来自{origin}",
    "what_edit": "在总表中修改",
    "what_append": "新增行，来自{origin}",
    "what_conflict": "冲突，{origin}的值未保留",
    "what_refused": "{origin}的修改未采用",
    "what_move_out": "移至已移交",
    "undone": "已撤销同步 {id}：恢复了 {count} 个文件。",
    "setting_rep": "业务员",
    "setting_rep_note": "本工作簿属于这位业务员；同步时只收到负责人为他/她的行。",
    "setting_master": "同步总表",
    "setting_master_note": "本工作簿与之同步的团队总表的工作簿编号；与其他总表同步会被拒绝。",
    "setting_last": "上次同步写入",
    # short enough for the value column (22 characters wide): "2026-12-01 15:12 #12"
    "setting_last_value": "{time} #{id}",
    "setting_last_note": (
        "kqxl sync 最后一次写入本工作簿的时间，# 后是那次同步的编号（kqxl undo 编号 可撤销它）；"
        "没有内容要收到的同步不改写本工作簿，此处也不变。"
    ),
    "setting_value_basis": "团队价值分类依据",
    "setting_value_basis_note": "团队总表按此排名划分价值分类 A/B/C/D；由同步写入，请勿修改。",
    "setting_value_a": "团队A类线（元）",
    "setting_value_a_note": "团队总表中A类客户的最小贡献；本表贡献达到此线的客户为A类，与总表一致。由同步写入。",
    "setting_value_b": "团队B类线（元）",
    "setting_value_b_note": "团队总表中B类客户的最小贡献（空：团队无B类）；由同步写入。",
    "rep_created": "已生成 {path}（{rep} 的 {customers} 个客户、{projects} 个项目）",
}


# `make demo` (kqxl/demo.py): what it prints about the sample team it builds.
DEMO: dict[str, str] = {
    "built": "已在 {folder}/ 生成示例团队：{files}",
    "recomputed": (
        "  已重算 {file}：客户 {customers} 行，项目 {projects} 行，问题 {problems} 个，"
        "提示 {notices} 条，写入 {cells} 个单元格"
    ),
    "summary": "\n团队总表概况",
    "grades": "  客情等级（各等级的客户数）：",
    "invalid_type": "（类型无效）",
    "pipeline": "  成交热度（项目漏斗）：",
    "pipeline_line": "    {label:>4}  项目 {n:>2} 个  金额 {amount:>14,.0f}  加权 {weighted:>14,.0f}",
    "pipeline_total": "    加权金额合计：{total:,.0f} 元",
    "classes": "  价值分类：{counts}",
    "alerts": "  拜访逾期 {overdue} 个客户；有预警 {warned} 个客户；投诉 {complaints} 件（{late} 件已逾期）",
    "problems": "  问题：{n} 个",
    "notices": "  提示：{n} 条",
    "finding": "    {cell}  {message}",
    "reminders": "  客情维护提醒（kqxl remind，未来 {days} 天，也写在“提醒”工作表中）：",
    "reminder": "    {day}  {kind}  {customer}  {todo}{note}",
    "rep_board": "  （{file} 的“看板”工作表：该业务员自己的数字和图表；每个客户跟进表都有）",
    "open": "用 Excel 或 LibreOffice 打开 {path}，查看灰色的计算结果列。",
    "sync_first": "团队同步示例在 {folder}/：第 {sync_id} 次同步后，每个工作簿都已一致",
}


# The Excel add-in (kqxl/excel/): the function wizard's descriptions of the UDFs and the
# message boxes of the buttons.
EXCEL: dict[str, str] = {
    # UDFs: the description of each function and of its arguments
    "udf_grade": "客情关系等级（未评级、I级 … IV级）。只给表格：整列结果；再给一行：这一行的等级。",
    "udf_heat": "成交热度（0% … 90%）。只给表格：整列结果；再给一行：这一行的热度。",
    "udf_why": "依据：这一行满足了哪些条件（客户表为等级依据，项目表为热度依据）。",
    "udf_next": "差距：升到下一级还缺哪些条件。",
    "udf_check": "校验：这一行的问题和提示；没有问题时为空。",
    "udf_legacy": "（旧版 Excel：结果自动向下填满，不需要动态数组）",
    "arg_table": "表格：第一行为表头（客户名称、客户类型 …），其下每行一条记录",
    "arg_row": "可选：只算这一行（与表头列数相同）；省略时返回整列",
    "arg_customers": "可选：客户表（含表头），用来取甲方和总包的客情等级；省略时读本工作簿的“客户”表",
    # buttons: titles and results
    "title": "客情",
    "button_sync": "同步",
    "validate_ok": "校验完成：没有发现问题。",
    "validate_found": "校验完成：问题 {errors} 个，提示 {notices} 条。",
    "finding_line": "{message}",
    "more": "… 另有 {n} 条，见各行的“校验”列。",
    "recompute_done": "重算完成：写入 {cells} 个单元格；问题 {errors} 个，提示 {notices} 条。",
    "recompute_unchanged": "重算完成：结果都没有变化。问题 {errors} 个，提示 {notices} 条。",
    "tidy_done": "整理完成：{tidied} 个单元格改写为规范的数值、日期或选项；写入 {cells} 个单元格。",
    "remind_done": "提醒：未来 {days} 天有 {n} 条客情维护提醒，已写在“提醒”工作表中。",
    "remind_none": "提醒：未来 {days} 天没有客情维护提醒。",
    "failed": "没有完成：{message}",
    "failed_code": "（错误代码：{code}）",
    "internal": "kqxl 出现了内部错误，工作簿没有被改动。请把这段文字发给管理员：{detail}",
    "no_book": "找不到调用这个按钮的工作簿：请在 Excel 中打开工作簿后再点按钮。",
    "sync_unsaved": "同步要用磁盘上的文件：已先保存本工作簿。",
    "sync_done": "同步完成：收到 {received} 处修改，送出 {sent} 处修改，冲突 {conflicts} 处。",
    "sync_skipped": "同步跳过了 {file}：{reason}",
    "sync_written": "收到的修改已写入本工作簿，并已保存。",
}


# The Excel add-in's build side: the 客情 ribbon tab and the buttons' own words (filled into
# macros/customUI.xml and the VBA modules when `kqxl addin build` builds them), and what the
# build prints.
ADDIN: dict[str, str] = {
    "title": "客情",
    "tab": "客情",
    "group_check": "本工作簿",
    "group_team": "团队",
    "validate": "校验",
    "validate_tip": "检查客户和项目的每一行，把问题写进“校验”列并标色",
    "recompute": "重算",
    "recompute_tip": "重新计算客情等级、成交热度和其他结果列，写回本工作簿",
    "tidy": "整理",
    "tidy_tip": "整理格式：去掉多余空格、统一是/否和日期写法，然后重算",
    "sync": "同步",
    "sync_tip": "把本工作簿与“设置”表中登记的团队总表同步",
    "remind": "提醒",
    "remind_tip": "列出近期的客情维护提醒（生日、节日、纪念日等）",
    "no_python": (
        "这个按钮需要本机安装 Python、kqxl 和 xlwings 才能运行。\n"
        "没有安装时，表中已经算好的结果和标色都还在，可以照常查看和填写；"
        "请把文件交给装有 kqxl 的同事或经理点“重算”，安装方法见 kqxl 的《在 Excel 中使用》说明。"
    ),
    "built": "已生成：{path}（{modules} 个宏模块）",
    "help_addin": (
        "Excel 加载项：在 Excel 里用按钮校验、重算、整理、同步和提醒。\n\n"
        "\b\n示例：\n"
        "  kqxl addin build"
    ),
    "help_build": (
        "从 kqxl 自带的宏源文件生成 Excel 加载项 kqxl.xlam（带“客情”选项卡），以及同样带“客情”"
        "选项卡（“说明”工作表上另有五个按钮）的启用宏模板 团队总表.xlsm 和 客户跟进表.xlsm。不需要安装 Excel。"
        "已有同名文件时覆盖。安装和使用方法见 kqxl 文档《在 Excel 中使用》。\n\n"
        "\b\n示例：\n"
        "  kqxl addin build\n"
        "  kqxl addin build 输出文件夹 --macros macros"
    ),
    "help_macros": "宏源文件所在的文件夹（默认：kqxl 源码中的宏文件夹）。",
}
