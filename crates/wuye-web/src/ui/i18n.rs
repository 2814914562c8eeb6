//! Every word the web pages show, in Chinese and English. Templates read
//! fields of `Texts` (checked at compile time); codes from the API (states,
//! kinds, categories) are labelled with the functions below.

use wuye_domain::Lang;
use wuye_domain::category::Category;
use wuye_domain::work_order::{Kind, Priority, State};

macro_rules! texts {
    ($($key:ident: $zh:expr, $en:expr;)*) => {
        pub struct Texts { $(pub $key: &'static str,)* }
        pub static ZH: Texts = Texts { $($key: $zh,)* };
        pub static EN: Texts = Texts { $($key: $en,)* };
    };
}

texts! {
    app_name: "物业服务台", "Property service desk";
    lang_switch: "English", "中文";
    large_on: "大字版", "Large text";
    large_off: "标准字体", "Standard text";
    sign_in: "登录", "Sign in";
    sign_out: "退出", "Sign out";
    login_label: "手机号或用户名", "Phone or username";
    password_label: "密码", "Password";
    login_hint: "业主请用登记的手机号登录", "Residents sign in with their registered phone number";
    demo_banner: "演示模式：这是演示数据", "Demo mode: this is demo data";
    nav_home: "首页", "Home";
    nav_my_orders: "我的报修", "My requests";
    nav_report: "我要报修", "Report a problem";
    nav_queues: "工单", "Orders";
    nav_new_order: "来电建单", "New order";
    nav_dispatch: "待派单", "To dispatch";
    nav_tasks: "我的任务", "My tasks";
    nav_pool: "抢单池", "Grab pool";
    nav_disputes: "争议", "Disputes";
    nav_alerts: "提醒", "Alerts";
    nav_admin: "管理", "Admin";
    nav_docs: "接口文档", "API docs";
    my_homes: "我的房屋", "My homes";
    report_title: "报修 / 投诉 / 咨询", "Report, complain or ask";
    kind_label: "类型", "Type";
    text_label: "描述问题", "Describe the problem";
    text_placeholder: "例如：厨房水管漏水，地上都是水", "e.g. The kitchen pipe is leaking";
    where_label: "位置", "Where";
    public_place: "公共区域", "Public area";
    place_text_label: "具体位置（选填）", "Exact spot (optional)";
    photos_label: "照片（最多 9 张）", "Photos (up to 9)";
    submit_report: "提交", "Submit";
    suggestion: "系统判断", "Suggested";
    no_orders: "还没有报修记录。遇到问题？点“我要报修”。", "No requests yet. Something wrong? Tap “Report a problem”.";
    no_orders_staff: "这里暂时没有工单。", "No orders here right now.";
    order_number: "工单号", "Order no.";
    created: "提交时间", "Created";
    status: "状态", "Status";
    timeline: "处理进度", "Progress";
    accept_work: "验收通过", "Accept the work";
    reject_work: "还没修好", "Not fixed yet";
    reason_label: "原因", "Reason";
    rate_title: "给这次服务打分", "Rate this job";
    rate_submit: "提交评价", "Send rating";
    comment_label: "留言", "Message";
    comment_submit: "发送", "Send";
    internal_note: "内部备注（业主看不到）", "Internal note (residents cannot see it)";
    stars: "星", "stars";
    your_rating: "您的评价", "Your rating";
    contact: "联系人", "Contact";
    team: "班组", "Team";
    assignee: "处理人", "Handler";
    owner: "首问责任人", "Owner";
    deadline: "时限", "Deadline";
    overdue: "已超时", "Overdue";
    due_in: "剩余", "Left";
    paused: "已暂停", "Paused";
    queue_new: "新工单", "New";
    queue_mine: "我的", "Mine";
    queue_team: "本班组", "My team";
    queue_due: "即将到期", "Due soon";
    queue_overdue: "已超时", "Overdue";
    queue_all: "全部", "All";
    queue_visits: "待回访", "Return visits";
    search_placeholder: "搜索：工单号、地址、内容（如 电梯）", "Search: number, place, text";
    filtered_by: "筛选", "Filtered by";
    clear_filters: "清除筛选", "Clear filters";
    created_range: "受理日期", "Created";
    team_label: "班组", "Team";
    search: "搜索", "Search";
    caller_lookup: "查找来电业主（手机号或房号）", "Find the caller (phone or home)";
    caller_hint: "输入手机号后四位或房号，如 1202", "Type the last digits of the phone, or a home like 1202";
    duplicates_title: "可能重复的工单", "Possible duplicates";
    duplicates_hint: "同一位置 24 小时内有相似的工单，请确认是否重复", "Similar open orders at the same place in the last 24 h";
    create_order: "保存并受理", "Save";
    dispatch_to: "派单给", "Dispatch to";
    person_optional: "指定人员（选填）", "Person (optional)";
    do_dispatch: "派单", "Dispatch";
    do_transfer: "转单", "Transfer";
    do_hold: "挂起", "Hold";
    do_resume: "恢复", "Resume";
    do_cancel: "取消工单", "Cancel order";
    do_dispute: "提出争议", "Dispute";
    do_rule: "裁定", "Rule";
    do_accept: "接单", "Accept";
    do_start: "开始处理", "Start";
    do_finish: "完工", "Finish";
    do_grab: "抢单", "Grab";
    do_answer: "答复", "Answer";
    do_visit: "回访", "Return visit";
    do_merge: "合并到", "Merge into";
    do_confirm_for: "代业主验收", "Accept for the resident";
    note_label: "说明", "Note";
    outcome_label: "回访结果", "Outcome";
    satisfied: "满意", "Satisfied";
    unsatisfied: "不满意", "Unsatisfied";
    unreachable: "联系不上", "Unreachable";
    classifier_title: "智能分类建议", "Classifier suggestions";
    confidence: "置信度", "Confidence";
    because: "依据", "Because of";
    handlers_title: "处理记录", "Handlers";
    minutes: "分钟", "min";
    sla_title: "时限", "SLA";
    response: "响应", "Response";
    resolution: "完成", "Resolution";
    met: "达标", "Met";
    breached: "超时", "Breached";
    running: "计时中", "Running";
    save: "保存", "Save";
    back: "返回", "Back";
    mark_read: "已读", "Mark read";
    no_alerts: "没有新的提醒。", "No new alerts.";
    admin_title: "基础数据", "Setup";
    communities: "小区", "Communities";
    buildings: "楼栋", "Buildings";
    homes: "房屋", "Homes";
    residents: "住户", "Residents";
    staff: "员工", "Staff";
    teams: "班组", "Teams";
    sla_policies: "时限策略", "SLA policies";
    category_map: "类别与班组", "Category → team";
    import_title: "批量导入（CSV，UTF-8 或 GBK）", "Import (CSV, UTF-8 or GBK)";
    import_homes: "导入房屋", "Import homes";
    import_residents: "导入住户", "Import residents";
    import_ok: "导入成功", "Imported";
    import_failed: "有错误，未导入任何数据", "Errors found; nothing was imported";
    line: "行", "Line";
    column: "列", "Column";
    problem: "问题", "Problem";
    name: "名称", "Name";
    phone: "电话", "Phone";
    roles: "角色", "Roles";
    members: "成员", "Members";
    mode: "派单方式", "Dispatch mode";
    vendor: "外包", "Vendor";
    rank: "顺序", "Rank";
    targets: "响应 / 完成（分钟）", "Response / resolution (min)";
    error_title: "出错了", "Something went wrong";
    not_found_page: "页面不存在，或您无权查看。", "This page does not exist, or you may not see it.";
    page_next: "下一页", "Next page";
    live_hint: "进度会自动刷新", "Updates appear automatically";
    home_label: "房屋", "Home";
    required: "必填", "required";
    nav_dashboard: "数据看板", "Dashboard";
    period: "周期", "Period";
    period_day: "今日", "Today";
    period_week: "本周", "This week";
    period_month: "本月", "This month";
    kpi_alerts: "指标预警", "KPI alerts";
    target: "目标", "Target";
    per_staff: "人均处理工单", "Orders per handler";
    chart_orders: "每日工单（按类型）", "Orders per day, by kind";
    chart_complaints: "投诉类型（按月）", "Complaint types by month";
    chart_sla: "时限达标率（%）", "SLA compliance (%)";
    chart_24h: "维修24小时完结率（%）", "Repairs done within 24 h (%)";
    chart_satisfaction: "满意度", "Satisfaction";
    chart_busy: "繁忙时段（星期 × 小时）", "Busiest hours (weekday × hour)";
    kpi_created: "新建", "Created";
    kpi_resolved: "完成", "Resolved";
    kpi_one_time: "一次修复率", "One-time fix";
    emergency: "应急", "Emergency";
    emergency_event: "应急事件（停水停电、电梯困人等）", "Emergency (outage, people trapped…)";
    on_duty: "在岗", "Active";
    deactivated: "已停用", "Deactivated";
    username_optional: "用户名（选填，用于登录）", "Username (optional, for signing in)";
    address: "地址", "Address";
    recompute: "重新计算所有未完结工单的时限", "Recompute the clocks of open orders";
    floor: "楼层", "Floor";
    area: "面积（㎡）", "Area (m²)";
    relation: "关系", "Relation";
    team_lead: "班组长", "team lead";
    mode_auto: "自动派单", "Automatic";
    mode_grab: "抢单", "Grab pool";
    mode_manual: "人工派单", "Manual";
    priority: "优先级", "Priority";
    grade: "投诉等级", "Complaint grade";
    category: "类别", "Category";
    repeat_of: "返修（重复报修）", "Repeat of";
    prio_urgent: "紧急", "Urgent";
    prio_regular: "常规", "Regular";
    prio_consult: "咨询", "Consultation";
    rel_owner: "业主", "Owner";
    rel_tenant: "租户", "Tenant";
    rel_family: "家属", "Family";
    resident_search: "姓名 / 手机号 / 房号", "Name / phone / home";
    correct_category: "纠正分类（用于训练派单模型）", "Correct the category (teaches the classifier)";
    urgency: "紧急程度", "Urgency";
    dispatch_title: "智能派单", "Smart dispatch";
    threshold: "自动派单置信度阈值（0–1）", "Confidence needed to dispatch automatically (0–1)";
    capacity: "每人在办工单上限", "Open orders per person at most";
    live_accuracy: "自动派单准确率（未被纠正）", "Auto-dispatch accuracy (not corrected)";
    manual_rate: "人工干预率", "Manual intervention rate";
    examples: "纠正样本", "Corrections";
    model_version: "模型版本", "Model version";
    retrain: "用纠正样本重新训练", "Retrain with the corrections";
    bundled_model: "内置模型", "Bundled model";
    dispatch_enabled: "开启智能派单（关闭时只给出建议）", "Dispatch automatically (off: suggestions only)";
    notifications: "通知", "Notifications";
    inbox_unread: "未读", "Unread";
    unread_tag: "未读", "Unread";
    mark_one_read: "标为已读", "Mark as read";
    mark_all_read: "全部标为已读", "Mark all as read";
    no_notifications: "暂时没有通知。工单有进展时会在这里告诉您。", "No notifications yet. You will hear here when an order moves on.";
    no_unread: "没有未读通知。", "No unread notifications.";
    notify_prefs_title: "通知偏好", "Notification preferences";
    notify_prefs_hint: "短信会发到您登记的手机号。", "Text messages go to your registered phone number.";
    notify_email: "接收通知的邮箱（选填）", "E-mail for notifications (optional)";
    notify_lang: "通知使用的语言", "Language of notifications";
    lang_zh: "中文", "Chinese";
    lang_en: "英文", "English";
    saved: "已保存", "Saved";
    deliveries_title: "通知记录", "Deliveries";
    no_deliveries: "这张工单还没有发出过通知。", "No notifications have gone out for this order yet.";
    event_label: "事件", "Event";
    recipient: "接收人", "Recipient";
    channel: "渠道", "Channel";
    when: "时间", "When";
    attempts: "尝试次数", "Attempts";
    last_error: "最近一次错误", "Last error";
    next_attempt: "下次尝试", "Next try";
    urgent_bypass: "紧急，不受免打扰限制", "Urgent: not held by quiet hours";
    notify_admin_title: "通知管理", "Notifications";
    nav_notify: "通知", "Notifications";
    channels_title: "通知渠道", "Channels";
    configured: "已配置", "Set up";
    not_configured: "未配置", "Not set up";
    channel_off: "已停用", "Switched off";
    in_app_always: "始终可用", "Always on";
    channels_api_hint: "短信、邮件、群机器人和 Webhook 的账号与密钥目前通过接口设置：", "SMS, e-mail, robot and webhook accounts and keys are set up through the API for now:";
    settings_summary: "短信免打扰时段 {quiet}（应急工单不受限）；每条通知最多尝试 {max} 次", "No SMS during {quiet} (except emergencies); each notification is tried at most {max} times";
    settings_summary_no_quiet: "短信不设免打扰时段；每条通知最多尝试 {max} 次", "SMS at any hour; each notification is tried at most {max} times";
    details: "详情", "Details";
    message_label: "消息", "Message";
    deliveries_list: "投递记录", "Delivery log";
    no_failed: "没有发送失败的通知。", "No failed deliveries.";
    no_matching: "没有这种状态的投递。", "No deliveries in this state.";
    retry: "重试", "Retry";
    retried: "已重新排队，稍后会再次发送。", "Queued again; it will be sent shortly.";
    rules_title: "通知规则与模板", "Rules and templates";
    rules_hint: "每个事件：通知哪些人、用什么渠道，以及消息怎么写。", "For each event: who is told, through which channels, and in which words.";
    rule_enabled: "发送此事件的通知", "Send notifications for this event";
    rule_off: "不通知", "Off";
    customized: "已自定义", "Customized";
    default_rule: "默认", "Default";
    reset_default: "恢复默认", "Reset to default";
    save_rule: "保存规则", "Save the rule";
    template_title: "标题", "Title";
    template_body: "内容", "Body";
    save_template: "保存模板", "Save the template";
    preview: "预览", "Preview";
    preview_hint: "预览使用示例数据，内容会原样显示。", "The preview fills in sample values and shows the text as is.";
    placeholders: "可用占位符", "Placeholders";
    status_pending: "待发送", "Pending";
    status_sending: "发送中", "Sending";
    status_delivered: "已送达", "Delivered";
    status_dead: "发送失败", "Failed";
    colon: "：", ": ";
}

impl Texts {
    pub fn of(lang: Lang) -> &'static Texts {
        match lang {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

pub fn state_label(lang: Lang, code: &str) -> String {
    match State::parse(code) {
        Ok(s) => match lang {
            Lang::Zh => s.label_zh().to_string(),
            Lang::En => s.label_en().to_string(),
        },
        Err(_) => code.to_string(),
    }
}

pub fn kind_label(lang: Lang, code: &str) -> String {
    match Kind::parse(code) {
        Ok(k) => match lang {
            Lang::Zh => k.label_zh().to_string(),
            Lang::En => k.label_en().to_string(),
        },
        Err(_) => code.to_string(),
    }
}

pub fn priority_label(lang: Lang, code: &str) -> String {
    match Priority::parse(code) {
        Ok(p) => match lang {
            Lang::Zh => p.label_zh().to_string(),
            Lang::En => p.label_en().to_string(),
        },
        Err(_) => code.to_string(),
    }
}

pub fn category_label(lang: Lang, code: &str) -> String {
    match Category::parse(code) {
        Ok(c) => match lang {
            Lang::Zh => c.label_zh().to_string(),
            Lang::En => c.label_en().to_string(),
        },
        Err(_) => code.to_string(),
    }
}

pub fn action_label(lang: Lang, code: &str) -> String {
    use wuye_domain::work_order::Action;
    let all = [
        Action::Create,
        Action::Dispatch,
        Action::Grab,
        Action::Accept,
        Action::Start,
        Action::Hold,
        Action::Resume,
        Action::Finish,
        Action::Confirm,
        Action::Reject,
        Action::AutoAccept,
        Action::ReturnVisit,
        Action::Cancel,
        Action::Transfer,
        Action::Dispute,
        Action::Rule,
        Action::Answer,
        Action::Merge,
    ];
    if let Some(a) = all.iter().find(|a| a.code() == code) {
        return match lang {
            Lang::Zh => a.label_zh().to_string(),
            Lang::En => a.label_en().to_string(),
        };
    }
    let (zh, en) = match code {
        "comment" => ("留言", "comment"),
        "note" => ("内部备注", "internal note"),
        "rate" => ("评价", "rating"),
        "merged_in" => ("合并了重复工单", "duplicate merged in"),
        other => (other, other),
    };
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// The bell's accessible name: "通知，3 条未读" / "Notifications, 3 unread".
pub fn unread_label(lang: Lang, n: i64) -> String {
    match (lang, n) {
        (Lang::Zh, 0) => "通知，没有未读".to_string(),
        (Lang::Zh, n) => format!("通知，{n} 条未读"),
        (Lang::En, 0) => "Notifications, none unread".to_string(),
        (Lang::En, n) => format!("Notifications, {n} unread"),
    }
}

/// A delivery's status (pending, sending, delivered, dead).
pub fn delivery_status_label(lang: Lang, code: &str) -> String {
    let t = Texts::of(lang);
    match code {
        "pending" => t.status_pending,
        "sending" => t.status_sending,
        "delivered" => t.status_delivered,
        "dead" => t.status_dead,
        other => other,
    }
    .to_string()
}

/// A notification event, channel or recipient code by its label.
pub fn notify_label(lang: Lang, code: &str) -> String {
    use wuye_domain::notify::{Channel, Event, Via, Who};
    // The domain's English labels are lower case, made for running text.
    let pick = |zh: &'static str, en: &'static str| match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => {
            let mut c = en.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    };
    if let Ok(e) = Event::parse(code) {
        return pick(e.label_zh(), e.label_en());
    }
    if let Ok(c) = Channel::parse(code) {
        return pick(c.label_zh(), c.label_en());
    }
    if let Ok(v) = Via::parse(code) {
        return pick(v.label_zh(), v.label_en());
    }
    if let Ok(w) = Who::parse(code) {
        return pick(w.label_zh(), w.label_en());
    }
    match code {
        "resident" => pick("业主", "resident"),
        "staff" => pick("员工", "staff"),
        "endpoint" => pick("群机器人 / Webhook", "robot / webhook"),
        other => other.to_string(),
    }
}
