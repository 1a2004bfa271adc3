"""Knowledge-base articles of the demo data: a power hotline's (95598) FAQs, policies and tariffs.

Each entry: (language, category, title, body, tags). The figures are illustrative, not any utility's.
"""

from __future__ import annotations

ARTICLES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("zh", "notice", "如何查询计划停电信息",
     "计划停电（停电预告）至少提前7天通过短信、网站和营业厅公告发布。坐席可在来电弹屏的“停电预告”栏查看客户所在台区的计划停电，"
     "告知客户停电时间、范围和预计恢复时间，并提醒客户提前做好准备。",
     ("停电", "计划停电", "停电预告")),
    ("en", "notice", "Looking up planned outages",
     "Planned outages are announced at least 7 days ahead by SMS, on the website and in service halls. The "
     "outage panel of the screen pop shows notices for the caller's area: tell the caller the time, the "
     "streets affected and the expected restoration, and suggest they prepare.",
     ("outage", "planned outage", "notice")),
    ("zh", "faq", "故障停电报修流程",
     "客户报修时核实户号、地址、联系电话和故障现象（全部停电、部分停电、电压低、有火花或异味）。先查询是否已有故障停电公告；"
     "若无，则生成故障报修工单，城区承诺45分钟内到达现场，并向客户复述问题、地址、姓名和电话后提交。",
     ("报修", "停电", "故障", "抢修", "45分钟")),
    ("en", "faq", "Reporting a power failure",
     "Confirm the account number, address, phone and symptoms (no power at all, partial loss, low voltage, "
     "sparks or smell). Check for a known fault notice first; if there is none, open a repair order. In the "
     "city the crew promises to be on site within 45 minutes. Read back the problem, address, name and phone "
     "before submitting.",
     ("repair", "outage", "fault", "power failure", "45 minutes")),
    ("zh", "faq", "电费查询与账单说明",
     "客户可通过95598网站、掌上电力App、短信或营业厅查询电费。账单包括本期电量、电价、电费金额、上期结余和欠费。"
     "坐席查询时需核实户号或户名，不得向非户主透露详细用电信息。",
     ("电费", "账单", "查询", "余额")),
    ("en", "billing", "Bill enquiries",
     "Customers can check their bill on the website, the mobile app, by SMS or in a service hall. A bill "
     "shows consumption, tariff, amount due, balance carried over and arrears. Verify the account number or "
     "holder's name first, and never disclose usage details to someone who is not the account holder.",
     ("billing", "bill", "balance", "enquiry")),
    ("zh", "policy", "欠费停电与复电",
     "电费逾期未缴，供电企业在停电前须提前送达催费通知。客户缴清欠费及违约金后，一般在24小时内恢复供电，"
     "城区可加急办理。坐席应告知客户缴费渠道和复电时限。",
     ("欠费", "停电", "复电", "缴费", "违约金")),
    ("en", "policy", "Disconnection for arrears and reconnection",
     "Before disconnecting for unpaid bills the utility must deliver a reminder notice. Once the arrears and "
     "late fee are paid, supply is normally restored within 24 hours (faster in the city on request). Tell "
     "the caller how to pay and when power will be back.",
     ("arrears", "disconnection", "reconnection", "payment", "late fee")),
    ("zh", "tariff", "居民阶梯电价",
     "居民生活用电实行阶梯电价：第一档每月0-200千瓦时，第二档201-400千瓦时，第三档400千瓦时以上，"
     "第二、三档电价依次加价。阶梯按年度累计计算，年底清零。",
     ("电价", "阶梯电价", "居民", "收费")),
    ("en", "tariff", "Tiered residential tariff",
     "Residential supply is billed in tiers: tier 1 up to 200 kWh a month, tier 2 from 201 to 400 kWh, tier "
     "3 above 400 kWh, each tier at a higher price. Tiers are counted over the year and reset in January.",
     ("tariff", "tiered", "residential", "price")),
    ("zh", "tariff", "峰谷分时电价",
     "峰谷分时电价将一天分为高峰（8:00-22:00）和低谷（22:00-次日8:00）两个时段，低谷电价较低。"
     "居民可自愿申请，需更换或设置分时电能表，申请后次月生效。",
     ("峰谷", "分时电价", "电价", "电能表")),
    ("en", "tariff", "Time-of-use tariff",
     "The time-of-use tariff splits the day into peak (08:00-22:00) and off-peak (22:00-08:00) hours, with "
     "cheaper off-peak power. Residential customers may opt in; the meter is replaced or reprogrammed and "
     "the "
     "tariff applies from the next month.",
     ("time-of-use", "peak", "off-peak", "tariff", "meter")),
    ("zh", "application", "居民新装用电办理",
     "居民新装需提供身份证、房产证明或租赁合同。可通过掌上电力App、95598网站或营业厅申请，"
     "受理后3个工作日内完成现场勘查，具备条件的5个工作日内装表接电。",
     ("新装", "业务受理", "装表接电", "申请")),
    ("en", "application", "New residential connection",
     "A new residential connection needs an ID card and proof of ownership or a lease. Apply through the "
     "app, the website or a service hall. A site survey follows within 3 working days, and the meter is "
     "installed and connected within 5 working days when the site is ready.",
     ("new connection", "application", "meter installation")),
    ("zh", "application", "增容与减容申请",
     "客户需要增加用电容量（增容）时，应提交用电容量需求和设备清单，供电企业勘查后答复供电方案。"
     "减容须提前5个工作日申请，减容期限不少于6个月。高压用户增容需签订新的供用电合同。",
     ("增容", "减容", "容量", "业务受理")),
    ("en", "application", "Capacity increase and reduction",
     "To increase contracted capacity the customer submits the load needed and an equipment list; after a "
     "survey the utility answers with a supply plan. A reduction must be requested 5 working days ahead and "
     "last at least 6 months. High-voltage customers sign a new supply contract for an increase.",
     ("capacity change", "capacity increase", "capacity reduction", "application")),
    ("zh", "application", "过户与用户信息变更",
     "房屋买卖后办理过户，需提供新旧户主身份证明、房产证明，并结清电费。联系电话、地址等信息变更可通过App直接办理。",
     ("过户", "变更", "户名", "业务受理")),
    ("en", "application", "Change of account holder and details",
     "After a property sale, the change of holder needs both parties' IDs and proof of ownership, and the "
     "bill settled. Phone numbers and postal addresses can be changed in the app directly.",
     ("change of details", "account holder", "transfer", "application")),
    ("zh", "faq", "电能表校验申请",
     "客户对电能表计量有疑问，可申请校验。校验结果误差超出允许范围的，退补相应电费并免收校验费；"
     "误差在允许范围内的，按规定收取校验费。",
     ("电能表", "电表", "校验", "计量")),
    ("en", "faq", "Meter accuracy test",
     "A customer who doubts their meter may ask for an accuracy test. If the error is outside the allowed "
     "range the difference is refunded or charged and the test is free; otherwise the test fee applies.",
     ("meter", "accuracy", "test", "billing")),
    ("zh", "application", "分布式光伏并网",
     "居民安装屋顶光伏需向供电企业提交并网申请，供电企业免费提供接入方案和并网验收，余电上网按规定电价结算。",
     ("光伏", "并网", "新能源", "业务受理")),
    ("en", "application", "Rooftop solar grid connection",
     "Residents installing rooftop solar apply for grid connection. The utility designs the connection and "
     "inspects it free of charge; surplus power fed to the grid is paid at the regulated price.",
     ("solar", "grid connection", "photovoltaic", "application")),
    ("zh", "application", "电动汽车充电桩报装",
     "个人充电桩报装需提供车位产权或使用证明、物业同意书。供电企业勘查后单独装表，执行居民合表电价或分时电价。",
     ("充电桩", "电动汽车", "报装", "新装")),
    ("en", "application", "Home EV charger connection",
     "A private charger needs proof of the parking space and the property manager's consent. After a survey "
     "a separate meter is installed, billed at the residential or time-of-use tariff.",
     ("ev charger", "electric vehicle", "new connection")),
    ("zh", "policy", "安全用电：发现断线怎么办",
     "发现电线断落，应远离断线8米以外，看护现场防止他人靠近，并立即拨打95598报告。坐席应按紧急抢修处理，优先派单。",
     ("安全", "断线", "紧急", "抢修")),
    ("en", "policy", "Safety: a fallen power line",
     "Anyone who finds a fallen line must stay at least 8 metres away, keep others away and call 95598 at "
     "once. Handle it as an emergency repair and dispatch it first.",
     ("safety", "fallen line", "emergency", "repair")),
    ("zh", "policy", "投诉处理闭环流程",
     "投诉工单流程：受理 → 派发 → 处理 → 结果告知客户 → 回访 → 归档。投诉须在1个工作日内联系客户，"
     "5个工作日内办结，回访客户满意度后方可关闭。",
     ("投诉", "闭环", "回访", "工单")),
    ("en", "policy", "Complaint handling loop",
     "A complaint goes: accepted, assigned, handled, result told to the customer, return visit, closed. "
     "Contact "
     "the customer within 1 working day, resolve within 5, and close only after the return visit.",
     ("complaint", "return visit", "ticket", "closed loop")),
    ("zh", "faq", "家电损坏赔偿",
     "因供电企业责任造成的电压异常导致家用电器损坏，客户应在7日内报告。经核实属实的，按规定修复或赔偿。",
     ("家电", "赔偿", "电压", "投诉")),
    ("en", "faq", "Appliances damaged by a voltage fault",
     "When a voltage fault caused by the utility damages household appliances, the customer reports it "
     "within "
     "7 days. Once confirmed, the appliances are repaired or compensated as the rules say.",
     ("appliance", "compensation", "voltage", "complaint")),
    ("zh", "billing", "电费缴纳方式与电子发票",
     "支持掌上电力App、网上银行、第三方支付、银行代扣和营业厅缴费。缴费后可在App中开具电子发票。",
     ("缴费", "电费", "发票", "电子发票")),
    ("en", "billing", "Ways to pay and e-invoices",
     "Bills can be paid in the app, by online banking, third-party payment, direct debit or in a service "
     "hall. An e-invoice can be issued in the app after payment.",
     ("payment", "billing", "invoice", "e-invoice")),
    ("zh", "application", "临时用电申请",
     "建筑施工、临时活动等可申请临时用电，期限一般不超过6个月，需预交临时接电费用，到期应办理终止或转正式用电。",
     ("临时用电", "业务受理", "施工")),
    ("en", "application", "Temporary supply",
     "Building sites and events may apply for a temporary supply of up to 6 months. A connection deposit is "
     "paid in advance; at the end the supply is terminated or made permanent.",
     ("temporary supply", "application", "construction")),
)
