//! What the seeded residents and staff write. An order's text is an opener,
//! a core (which says the category and place) and a closer, so the texts
//! vary while each word still points at a few categories — a search for
//! 电梯 finds the elevator orders, not everything.

use wuye_domain::category::Category;
use wuye_domain::work_order::{Kind, PlaceKind};

/// A core phrase: the kind, category and kind of place it is about.
pub struct Core {
    pub kind: Kind,
    pub category: Category,
    pub place: PlaceKind,
    pub text: &'static str,
}

macro_rules! cores {
    ($($kind:ident $cat:ident $place:ident $text:literal;)*) => {
        &[$(Core { kind: Kind::$kind, category: Category::$cat, place: PlaceKind::$place, text: $text }),*]
    };
}

#[rustfmt::skip]
pub const CORES: &[Core] = cores! {
    Repair Plumbing Home "厨房水管漏水，地上都是水";
    Repair Plumbing Home "卫生间下水道堵了，水下不去";
    Repair Plumbing Home "马桶一直在流水，关不住";
    Repair Plumbing Home "家里停水了，邻居家有水";
    Repair Plumbing Home "阳台地漏往上返臭味";
    Repair Plumbing Home "洗手盆下面的软管爆了";
    Repair Plumbing Home "楼上渗水到我家卫生间吊顶";
    Repair Plumbing Home "厨房水槽下水很慢";
    Repair Electrical Home "客厅插座没电了，空开也没跳";
    Repair Electrical Home "家里总跳闸，一开空调就跳";
    Repair Electrical Home "卧室的灯一闪一闪的";
    Repair Electrical Home "卫生间浴霸不亮了";
    Repair Electrical Home "厨房的开关面板松动了";
    Repair Electrical Entrance "楼道灯坏了，晚上黑乎乎的";
    Repair Electrical Entrance "单元门口的灯不亮";
    Repair Elevator Entrance "电梯门关不上，一直开开关关";
    Repair Elevator Entrance "电梯运行的时候有异响，咯噔咯噔的";
    Repair Elevator Entrance "电梯按钮失灵，按了没反应";
    Repair Elevator Entrance "电梯停在两层中间不动了，里面有人";
    Repair Elevator Entrance "电梯里的灯不亮，风扇也不转";
    Repair Elevator Entrance "电梯平层不准，出门有台阶";
    Repair DoorsAccess Entrance "单元门禁刷卡没反应";
    Repair DoorsAccess Entrance "楼下大门的闭门器坏了，门关不严";
    Repair DoorsAccess Entrance "可视对讲没有声音";
    Repair DoorsAccess Home "入户门的锁芯不好用，钥匙拧不动";
    Repair Civil Home "卧室天花板有水渍，墙皮起鼓了";
    Repair Civil Home "外墙渗水，下雨天墙面是湿的";
    Repair Civil Home "卫生间瓷砖空鼓脱落";
    Repair Civil Entrance "楼梯扶手松了，老人扶着害怕";
    Repair Civil Entrance "楼道墙面开裂了";
    Repair HeatingGas Home "暖气片不热，屋里太冷了";
    Repair HeatingGas Home "暖气阀门一直在漏水";
    Repair HeatingGas Home "闻到家里有燃气味";
    Repair HeatingGas Home "地暖分水器在滴水";
    Repair FireSafety Building "楼道消防栓的玻璃碎了";
    Repair FireSafety Building "消防通道被杂物堵住了";
    Repair FireSafety Building "烟感报警器一直在响";
    Repair FireSafety Garage "地库的灭火器过期了没人换";
    Repair PublicFacilities Grounds "小区健身器材螺丝松了";
    Repair PublicFacilities Grounds "儿童滑梯有个尖角，怕划伤孩子";
    Repair PublicFacilities Grounds "中心花园的路灯坏了好几盏";
    Repair PublicFacilities Garage "地库道闸抬不起来";
    Repair PublicFacilities Garage "地库照明灯坏了一片";
    Repair Cleaning Entrance "楼道里的垃圾两天没人收了";
    Repair Cleaning Entrance "电梯里有呕吐物，味道很大";
    Repair Cleaning Entrance "楼梯间有人乱扔烟头";
    Repair Cleaning Grounds "垃圾房周边很脏，苍蝇很多";
    Repair Cleaning Grounds "小区门口的落叶没人扫";
    Repair Greening Grounds "门口的树枝断了挂在半空，怕砸到人";
    Repair Greening Grounds "草坪好久没修剪了";
    Repair Greening Grounds "绿化带里蚊子很多，需要打药";
    Repair Greening Grounds "树上有马蜂窝";
    Repair Security Entrance "单元门口有陌生人发小广告";
    Repair Security Entrance "楼道里有人给电动车充电";
    Repair Security Grounds "小区围墙有个缺口，外人能钻进来";
    Repair Parking Garage "我的车位被别人占了";
    Repair Parking Garage "地库有车堵住了出口";
    Complaint NoiseNeighbor Home "楼上每天晚上十一点还在跳，太吵了";
    Complaint NoiseNeighbor Home "隔壁家的狗整夜叫，睡不着";
    Complaint NoiseNeighbor Home "楼下商铺音响声音太大";
    Complaint Decoration Home "隔壁装修中午也在电钻，老人没法休息";
    Complaint Decoration Home "楼上装修把公共楼道弄得全是灰";
    Complaint Cleaning Entrance "保洁打扫不认真，楼梯角落全是灰";
    Complaint Security Grounds "晚上门岗没人，外卖随便进";
    Complaint Security Grounds "保安态度很差，说话很冲";
    Complaint Plumbing Home "报修三天了还没人来修水管";
    Complaint Parking Garage "地库乱停车没人管，消防通道都堵了";
    Complaint Fees Home "物业费账单多收了一个月";
    Complaint Fees Home "水电公摊费用不透明";
    Complaint Elevator Entrance "电梯三天两头坏，维保不到位";
    Consultation Fees Home "物业费可以开电子发票吗？";
    Consultation Fees Home "物业费可以按月交吗？";
    Consultation Decoration Home "装修需要办什么手续？押金多少？";
    Consultation Decoration Home "装修垃圾应该放在哪里？";
    Consultation Other Home "快递放在哪里了？丰巢满了";
    Consultation Other Home "小区什么时候开业主大会？";
    Consultation DoorsAccess Home "怎么给家里老人办门禁卡？";
    Consultation DoorsAccess Home "门禁卡丢了怎么补办？";
    Consultation Parking Garage "地库月租车位还有吗？";
    Consultation HeatingGas Home "今年什么时候开始供暖？";
    Suggestion PublicFacilities Grounds "建议在中心花园多放几张长椅";
    Suggestion PublicFacilities Grounds "建议增加电动车充电桩";
    Suggestion Greening Grounds "建议春天多种点花，现在草坪光秃秃的";
    Suggestion Security Grounds "建议晚上增加巡逻次数";
    Praise Plumbing Home "感谢水电班师傅半夜来修水管，很负责";
    Praise Cleaning Entrance "保洁阿姨每天把楼道擦得很干净，表扬一下";
    Praise Security Grounds "保安大哥帮忙搬东西，非常热心";
    Praise Elevator Entrance "电梯维保师傅来得很快，点赞";
};

pub const REPORT_OPENERS: &[&str] = &[
    "",
    "您好，",
    "你好，",
    "今天早上发现",
    "昨天晚上开始",
    "这两天",
    "刚才",
    "物业你好，",
];

pub const POLITE_OPENERS: &[&str] = &["", "您好，", "你好，", "物业你好，"];

pub const REPAIR_CLOSERS: &[&str] = &[
    "",
    "，麻烦尽快派人来看看",
    "，请师傅明天上午来",
    "，家里有老人小孩，比较急",
    "，谢谢！",
    "，已经好几天了",
    "，请尽快处理",
    "，周末都在家",
];

pub const COMPLAINT_CLOSERS: &[&str] = &[
    "",
    "，希望物业管一管",
    "，请给个说法",
    "，已经反映过好几次了",
    "，谢谢",
];

pub const OTHER_CLOSERS: &[&str] = &["", "，谢谢", "！"];

/// Where exactly, for public places.
pub fn place_text(place: PlaceKind, category: Category, pick: usize) -> &'static str {
    let choices: &[&str] = match (place, category) {
        (PlaceKind::Entrance, Category::Elevator) => &["电梯间", "1号电梯", "2号电梯"],
        (PlaceKind::Entrance, _) => &["楼道", "一楼大堂", "楼梯间", "单元门口"],
        (PlaceKind::Building, _) => &["楼道", "消防通道", "一楼大堂"],
        (PlaceKind::Garage, _) => &["地库B1", "地库B2", "地库入口"],
        (PlaceKind::Grounds, _) => &["中心花园", "南门", "北门", "垃圾房", "儿童乐园"],
        (PlaceKind::Home, _) => &[""],
    };
    choices[pick % choices.len()]
}

pub const HOLD_REASONS: &[&str] = &[
    "等配件到货",
    "业主不在家，约定改天上门",
    "需要厂家技术支持",
    "等待业主确认维修方案",
];
pub const FINISH_NOTES: &[&str] = &[
    "已处理完毕，请验收",
    "已更换损坏配件，测试正常",
    "已疏通，恢复正常",
    "已修复并清理现场",
    "已现场处理，业主确认效果",
];
pub const REWORK_NOTES: &[&str] = &["已返工处理", "已重新更换配件"];
pub const REJECT_REASONS: &[&str] = &["还没修好", "问题依旧存在", "修完又坏了"];
pub const DESK_CANCEL: &[&str] = &["业主来电取消", "业主已自行处理", "现场核实无此问题"];
pub const RESIDENT_CANCEL: &[&str] = &["不需要了，已经好了", "自己修好了"];
pub const TRANSFER_REASONS: &[&str] = &["不属于本班组的范围，转交相关班组", "需要其他专业配合"];
pub const DISPUTE_REASONS: &[&str] = &["不属于本班组的范围", "应由开发商保修处理"];
pub const RULE_NOTES: &[&str] = &["经核实，改派相关班组处理", "经核实，仍由原班组负责"];
pub const ANSWER_NOTES: &[&str] = &[
    "已电话答复业主",
    "已答复业主，感谢反馈",
    "已在业主群公告说明",
];
pub const VISIT_SATISFIED: &[&str] = &["已电话回访，业主满意", "回访业主，对处理结果满意"];
pub const VISIT_UNSATISFIED: &[&str] = &["回访业主，对处理时效不满意，已致歉"];
pub const VISIT_UNREACHABLE: &[&str] = &["回访未接通，已短信告知"];
pub const GOOD_COMMENTS: &[&str] = &["师傅很专业，谢谢", "处理及时，很满意", "态度很好"];
pub const BAD_COMMENTS: &[&str] = &["等了太久", "修得不彻底", "上门时间一再推迟"];

pub const COMMUNITY_NAMES: &[&str] = &[
    "翠湖花园",
    "锦绣华庭",
    "云栖苑",
    "金色家园",
    "阳光水岸",
    "桂花园",
    "紫金府",
    "碧水湾",
    "望江名邸",
    "梧桐苑",
    "蓝湾国际",
    "枫林晚",
    "书香门第",
    "星河湾",
    "香樟园",
    "和家园",
    "清水湾",
    "润园",
    "世纪新城",
    "东方名苑",
    "春江花月",
    "天鹅湖",
    "御景园",
    "林语山庄",
    "新湖明珠",
    "景瑞府",
    "滨江壹号",
    "海棠湾",
    "丽水苑",
    "幸福里",
    "丹桂苑",
    "雅居",
];

pub const DISTRICTS: &[&str] = &["西湖区", "滨江区", "拱墅区", "上城区", "余杭区", "萧山区"];
pub const ROADS: &[&str] = &[
    "文三路",
    "江南大道",
    "莫干山路",
    "解放东路",
    "文一西路",
    "市心北路",
];

/// The name of community `i` (a phase suffix once the list runs out).
pub fn community_name(i: usize) -> String {
    const PHASES: &[&str] = &["", "二期", "三期", "四期", "五期", "六期", "七期", "八期"];
    let base = COMMUNITY_NAMES[i % COMMUNITY_NAMES.len()];
    let phase = i / COMMUNITY_NAMES.len();
    match PHASES.get(phase) {
        Some(p) => format!("{base}{p}"),
        None => format!("{base}{}期", phase + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_is_a_valid_order_text_and_community_names_are_unique() {
        for c in CORES {
            assert!(wuye_domain::work_order::OrderText::parse(c.text).is_ok());
        }
        let names: std::collections::HashSet<String> = (0..500).map(community_name).collect();
        assert_eq!(names.len(), 500);
    }
}
