//! What bench residents write: varied, realistic repair reports in Chinese
//! (a problem of one category, when it started, how bad it is, when someone
//! is home), and the words the search workload looks for.

use rand::Rng;
use rand::seq::IndexedRandom;

/// (where, what, what is wrong) — the problems residents report, across the
/// categories the classifier knows.
const PROBLEMS: &[(&str, &str, &[&str])] = &[
    (
        "卫生间",
        "水管",
        &["漏水", "接口处一直滴水", "爆了，水流了一地"],
    ),
    ("卫生间", "马桶", &["堵了", "冲水后一直流水", "水箱漏水"]),
    (
        "厨房",
        "下水道",
        &["堵塞，水下不去", "返臭味", "漏水到楼下"],
    ),
    ("厨房", "水龙头", &["关不紧", "出水很小", "底座漏水"]),
    ("阳台", "地漏", &["返水", "有异味", "堵住了"]),
    ("卫生间", "热水器", &["不出热水", "打不着火", "漏水"]),
    ("客厅", "插座", &["没电", "冒火花", "有焦糊味"]),
    ("主卧", "灯", &["不亮", "一直闪", "开关坏了"]),
    ("家里", "电闸", &["老是跳闸", "合不上", "一开空调就跳"]),
    ("次卧", "空调", &["不制冷", "漏水", "外机噪音很大"]),
    ("主卧", "墙面", &["渗水发霉", "裂缝越来越大", "墙皮脱落"]),
    ("卫生间", "天花板", &["渗水", "往下滴水", "石膏板掉下来了"]),
    ("客厅", "瓷砖", &["空鼓", "开裂翘起来了", "松动"]),
    ("入户", "防盗门", &["锁打不开", "关不上", "门把手掉了"]),
    ("书房", "窗户", &["关不严漏风", "玻璃裂了", "把手坏了"]),
    ("家里", "暖气片", &["不热", "漏水", "阀门拧不动"]),
    ("厨房", "燃气灶", &["有燃气味", "点不着火", "管子老化了"]),
    ("楼道", "电梯", &["异响很大", "停在中间不动", "门关不上"]),
    ("楼道", "声控灯", &["不亮", "一直亮着", "坏了好几天"]),
    ("单元", "门禁", &["刷卡没反应", "门关不上", "对讲没声音"]),
    (
        "楼上",
        "装修",
        &["中午还在砸墙，噪音太大", "周末一早就电钻", "噪音扰民"],
    ),
    (
        "楼道",
        "垃圾",
        &["堆了好几天没人清", "有异味", "堆在消防通道"],
    ),
    ("楼下", "车位", &["被别人的车占了", "地锁坏了", "积水严重"]),
    ("小区", "路灯", &["不亮", "一直闪", "灯杆歪了"]),
    ("楼下", "绿化带", &["好久没修剪", "树枝挡住窗户", "有死树"]),
];

const WHEN: &[&str] = &[
    "",
    "今天早上",
    "昨天晚上",
    "这两天",
    "从上周开始",
    "刚才",
    "最近一直",
    "下雨以后",
];

const DETAIL: &[&str] = &[
    "",
    "越来越严重了",
    "家里有老人和小孩",
    "晚上睡不着觉",
    "已经影响正常使用",
    "之前报修过还没修好",
    "楼下邻居也说有问题",
    "自己试过了没用",
];

const CLOSING: &[&str] = &[
    "麻烦尽快派人来看看",
    "请师傅明天上午来",
    "谢谢",
    "急，请尽快处理",
    "下午两点后家里有人",
    "来之前请先打电话",
    "周末家里有人",
];

/// One report, e.g. `这两天卫生间的水管接口处一直滴水，越来越严重了，麻烦尽快派人来看看。`
pub fn repair_text(rng: &mut impl Rng) -> String {
    let (place, thing, faults) = PROBLEMS.choose(rng).expect("not empty");
    let fault = faults.choose(rng).expect("not empty");
    let when = WHEN.choose(rng).expect("not empty");
    let detail = DETAIL.choose(rng).expect("not empty");
    let closing = CLOSING.choose(rng).expect("not empty");
    let mut s = String::with_capacity(96);
    s.push_str(when);
    s.push_str(place);
    s.push('的');
    s.push_str(thing);
    s.push_str(fault);
    if !detail.is_empty() {
        s.push('，');
        s.push_str(detail);
    }
    s.push('，');
    s.push_str(closing);
    s.push('。');
    s
}

/// What residents write when following up on an order.
pub fn comment_text(rng: &mut impl Rng) -> String {
    const C: &[&str] = &[
        "师傅大概什么时候能到？",
        "今天下午家里有人，可以来修。",
        "问题还在，麻烦再看看。",
        "已联系业主，约好明天上午上门。",
        "配件已经到了，安排师傅处理。",
    ];
    let n = rng.random_range(0..C.len());
    C[n].to_string()
}

/// Words the search workload looks for; the run keeps those that really
/// occur in the database (checked during the warm-up).
pub const SEARCH_WORDS: &[&str] = &[
    "漏水",
    "电梯",
    "停电",
    "噪音",
    "门禁",
    "马桶",
    "水管",
    "插座",
    "空调",
    "物业费",
    "停车",
    "垃圾",
    "墙面",
    "窗户",
    "路灯",
    "燃气",
    "热水器",
    "下水道",
    "装修",
    "保安",
    "绿化",
    "快递",
    "宠物",
    "楼道",
    "天花板",
    "渗水",
    "跳闸",
    "异响",
    "异味",
    "堵塞",
    "暖气",
    "防盗门",
];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn reports_vary_and_read_as_chinese_sentences() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let texts: std::collections::HashSet<String> =
            (0..500).map(|_| repair_text(&mut rng)).collect();
        assert!(texts.len() > 400, "only {} distinct texts", texts.len());
        for t in &texts {
            assert!(t.ends_with('。'), "{t}");
            let n = t.chars().count();
            assert!((8..=80).contains(&n), "{t}");
        }
    }

    #[test]
    fn many_search_words_occur_in_what_residents_write() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let texts: Vec<String> = (0..2000).map(|_| repair_text(&mut rng)).collect();
        let found = SEARCH_WORDS
            .iter()
            .filter(|w| texts.iter().any(|t| t.contains(*w)))
            .count();
        assert!(found >= 15, "{found}");
    }
}
