"""Deterministic Japanese reform rows for the side-by-side benchmark (bench/peer/run.py).

The same seed and organisation give the same rows, byte for byte. Texts are put together from
phrases of the kind the city's annual report uses (【課題】【取組】【効果】), so their lengths and
words are those of real reforms; 電子化 and a few other search words occur in a known share of rows.
The rows go to Platina as the CSV `platina import --kind reforms` reads, and to the peer as JSON.
"""

import csv
import json
import random

# The CSV headers `platina import --kind reforms` recognises (crates/api/src/exports.rs,
# REFORM_COLUMNS): the Japanese ones, as a city's spreadsheet would have them.
CSV_HEADERS = ["年度", "No.", "局・区", "所管課", "分類", "取組名", "課題", "取組", "効果", "実施時期",
               "状況", "注目", "タグ", "数値効果"]

STATUSES = ["under_consideration", "planned", "trial", "in_progress", "done", "ended"]
# Most reforms in a report are done or under way.
STATUS_WEIGHTS = [8, 12, 10, 25, 40, 5]
CLASSIFICATIONS = ["i", "ii", "iii", None]
CLASSIFICATION_WEIGHTS = [20, 70, 8, 2]

SUBJECTS = [
    "請求書", "起案文書", "旅費精算", "物品購入", "契約事務", "勤怠管理", "会議資料", "窓口受付",
    "住民票の交付", "税証明の発行", "保育所入所申込", "道路占用許可", "公園使用許可", "補助金申請",
    "職員研修", "庁内照会", "議会答弁資料", "統計調査", "施設予約", "苦情・要望の記録",
    "工事検査", "上下水道の開栓届", "ごみ収集の問合せ", "防災訓練", "健診案内", "介護認定調査",
    "児童手当の現況届", "選挙事務", "図書館の貸出", "市営住宅の入居申込",
]
# (title word, how it was done: plain form, past form, continuative form)
METHODS = [
    ("電子化", "紙の様式を電子申請に切り替える", "紙の様式を電子申請に切り替えた", "紙の様式を電子申請に切り替え"),
    ("ペーパーレス化", "資料をタブレットで共有し印刷を廃止する", "資料をタブレットで共有し印刷を廃止した",
     "資料をタブレットで共有し印刷を廃止し"),
    ("kintoneアプリ化", "kintoneで台帳アプリを作成し入力と集計を一元化する",
     "kintoneで台帳アプリを作成し入力と集計を一元化した", "kintoneで台帳アプリを作成し入力と集計を一元化し"),
    ("RPA導入", "定型の転記作業をRPAで自動化する", "定型の転記作業をRPAで自動化した", "定型の転記作業をRPAで自動化し"),
    ("生成AI活用", "生成AIで文案と要約を作成する", "生成AIで文案と要約を作成した", "生成AIで文案と要約を作成し"),
    ("押印廃止", "押印を廃止し電子決裁に一本化する", "押印を廃止し電子決裁に一本化した", "押印を廃止し電子決裁に一本化し"),
    ("キャッシュレス化", "窓口にキャッシュレス決済を導入する", "窓口にキャッシュレス決済を導入した",
     "窓口にキャッシュレス決済を導入し"),
    ("オンライン化", "Web会議とオンライン予約を導入する", "Web会議とオンライン予約を導入した", "Web会議とオンライン予約を導入し"),
    ("様式の統一", "局ごとに異なっていた様式を一つに統一する", "局ごとに異なっていた様式を一つに統一した",
     "局ごとに異なっていた様式を一つに統一し"),
    ("手順の見直し", "重複していた確認手順を見直し一本化する", "重複していた確認手順を見直し一本化した",
     "重複していた確認手順を見直し一本化し"),
]
PROBLEMS = [
    "{subject}は紙の様式で受け付けており、転記と確認に多くの時間を要していた。",
    "{subject}の件数が年々増加し、担当者の時間外勤務が常態化していた。",
    "{subject}の手続きが担当者ごとに異なり、問い合わせへの回答に時間がかかっていた。",
    "{subject}では同じ内容を複数の台帳に入力しており、入力誤りが発生していた。",
    "{subject}のたびに来庁が必要で、市民と職員の双方に負担となっていた。",
    "{subject}の進捗が共有されず、他課からの照会に即答できなかった。",
]
ACTIONS = [
    "{plain}こととし、{partner}と協議のうえ{month}月から運用を開始した。",
    "{plain}試行を{month}月に実施し、課内の意見を踏まえて本格導入した。",
    "・{past}。あわせて操作マニュアルを作成し、課内研修を{count}回実施した。",
    "{partner}の支援を受けて{continuative}、入力項目を{count}項目に絞り込んだ。",
]
EFFECTS = [
    "年間約{hours}時間の業務時間を削減できる見込みである。",
    "紙の使用量が年間約{sheets}枚減り、保管スペースも削減できた。",
    "処理日数が平均{days}日から{faster}日に短縮され、市民サービスの向上につながっている。",
    "入力誤りがなくなり、確認作業の負担が軽減された。",
    "問い合わせへの回答が即日可能となり、職員の心理的負担も軽減された。",
]
PARTNERS = ["デジタル市役所推進室", "法制課", "情報政策課", "会計室", "人事課", "関係課"]
TAGS = ["kintone", "AI", "RPA", "ペーパーレス", "電子申請", "キャッシュレス", "BPR", "テレワーク",
        "オープンデータ", "窓口改善"]
# Reiwa years of the fiscal years the rows are spread over (2019 = 令和元年度 … 2024 = 令和6年度):
# the demo dataset's reforms are of 2025, whose report numbers the rows must not take.
FISCAL_YEARS = list(range(2019, 2025))


def wareki_month(year, month):
    reiwa = year - 2018
    return f"R{reiwa}.{month}"


def generate(count, organisation, seed=1):
    """`count` rows over `organisation` [(bureau id, bureau name, [section names])], each a dict."""
    rng = random.Random(seed)
    numbers = {year: 0 for year in FISCAL_YEARS}
    rows = []
    for n in range(count):
        year = FISCAL_YEARS[n % len(FISCAL_YEARS)]
        numbers[year] += 1
        bureau_id, bureau, sections = organisation[rng.randrange(len(organisation))]
        carrying = rng.sample(sections, k=min(len(sections), rng.choice([0, 1, 1, 1, 2])))
        subject = rng.choice(SUBJECTS)
        short, plain, past, continuative = rng.choice(METHODS)
        month = rng.randint(4, 12)
        period = rng.choice([
            f"{wareki_month(year, month)}~",
            f"{wareki_month(year, month)}~ {wareki_month(year + 1, rng.randint(1, 3))}",
            f"{wareki_month(year, month)}.{rng.randint(1, 28)}",
            "随時",
            "実施中",
        ])
        problem = "".join(rng.sample(PROBLEMS, k=2)).format(subject=subject)
        action = "".join(rng.sample(ACTIONS, k=2)).format(plain=plain, past=past, continuative=continuative,
                                                          partner=rng.choice(PARTNERS),
                                                          month=month, count=rng.randint(2, 12))
        hours = rng.choice([120, 240, 360, 500, 800, 1200, 2400])
        days = rng.randint(5, 20)
        chosen = rng.sample(EFFECTS, k=2)
        effect = " ".join(chosen).format(
            hours=hours, sheets=rng.choice([5000, 12000, 30000, 50000]), days=days,
            faster=max(1, days // rng.randint(2, 5)))
        effects = []
        if EFFECTS[0] in chosen:
            effects = [{"kind": "hours_per_year", "value": hours, "unit": "時間/年",
                        "basis": f"年間約{hours}時間"}]
        rows.append({
            "fiscal_year": year,
            "report_number": numbers[year],
            "bureau_id": bureau_id,
            "bureau": bureau,
            "sections": "、".join(carrying),
            "classification": rng.choices(CLASSIFICATIONS, CLASSIFICATION_WEIGHTS)[0],
            "title": f"{subject}の{short}",
            "problem": problem,
            "action": action,
            "effect": effect,
            "period": period,
            "status": rng.choices(STATUSES, STATUS_WEIGHTS)[0],
            "featured": rng.random() < 0.05,
            "tags": sorted(rng.sample(TAGS, k=rng.choice([0, 1, 1, 2]))),
            "effects": effects,
        })
    return rows


def write_csv(rows, path):
    """One CSV as `platina import --kind reforms` reads it (UTF-8, Japanese headers)."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_HEADERS)
        for r in rows:
            writer.writerow([
                r["fiscal_year"], r["report_number"], r["bureau"], r["sections"],
                r["classification"] or "", r["title"], r["problem"], r["action"], r["effect"],
                r["period"], r["status"], "はい" if r["featured"] else "いいえ", "、".join(r["tags"]),
                json.dumps(r["effects"], ensure_ascii=False) if r["effects"] else "",
            ])
