"""Name material for the synthetic graph (kg.synth): places, organizations, people.

Kept apart from the generator so the generator reads as the shape of the data, not word lists.
Shandong and its 16 prefecture cities keep their real IRIs and labels, so saved questions whose
defaults name them (e:jining, e:honour-qilu-chief-technician …) still find something. Everything
else is made up from small pools; the generator makes labels unique because the
duplicate-label check would (rightly) reject two entities sharing a Chinese name.
"""
from __future__ import annotations

SHANDONG = ("shandong", "山东省", "Shandong Province")

# (slug, zh, en) — the slugs match data/triples/registry where the city is registered.
SHANDONG_CITIES = [
    ("jinan", "济南市", "Jinan"), ("qingdao", "青岛市", "Qingdao"), ("zibo", "淄博市", "Zibo"),
    ("zaozhuang", "枣庄市", "Zaozhuang"), ("dongying", "东营市", "Dongying"),
    ("yantai", "烟台市", "Yantai"), ("weifang", "潍坊市", "Weifang"), ("jining", "济宁市", "Jining"),
    ("taian", "泰安市", "Tai'an"), ("weihai", "威海市", "Weihai"), ("rizhao", "日照市", "Rizhao"),
    ("linyi", "临沂市", "Linyi"), ("dezhou", "德州市", "Dezhou"), ("liaocheng", "聊城市", "Liaocheng"),
    ("binzhou", "滨州市", "Binzhou"), ("heze", "菏泽市", "Heze"),
]

# The other provinces (and province-level units) of mainland China; cities in them are synthetic.
PROVINCES = [
    ("hebei", "河北省", "Hebei"), ("shanxi", "山西省", "Shanxi"), ("liaoning", "辽宁省", "Liaoning"),
    ("jilin", "吉林省", "Jilin"), ("heilongjiang", "黑龙江省", "Heilongjiang"),
    ("jiangsu", "江苏省", "Jiangsu"), ("zhejiang", "浙江省", "Zhejiang"), ("anhui", "安徽省", "Anhui"),
    ("fujian", "福建省", "Fujian"), ("jiangxi", "江西省", "Jiangxi"), ("henan", "河南省", "Henan"),
    ("hubei", "湖北省", "Hubei"), ("hunan", "湖南省", "Hunan"), ("guangdong", "广东省", "Guangdong"),
    ("hainan", "海南省", "Hainan"), ("sichuan", "四川省", "Sichuan"), ("guizhou", "贵州省", "Guizhou"),
    ("yunnan", "云南省", "Yunnan"), ("shaanxi", "陕西省", "Shaanxi"), ("gansu", "甘肃省", "Gansu"),
    ("qinghai", "青海省", "Qinghai"), ("inner-mongolia", "内蒙古自治区", "Inner Mongolia"),
    ("guangxi", "广西壮族自治区", "Guangxi"), ("tibet", "西藏自治区", "Tibet"),
    ("ningxia", "宁夏回族自治区", "Ningxia"), ("xinjiang", "新疆维吾尔自治区", "Xinjiang"),
    ("beijing", "北京市", "Beijing"), ("tianjin", "天津市", "Tianjin"),
    ("shanghai", "上海市", "Shanghai"), ("chongqing", "重庆市", "Chongqing"),
]

# Syllables for made-up place names: (character, pinyin).
SYLLABLES = [
    ("安", "an"), ("宁", "ning"), ("平", "ping"), ("阳", "yang"), ("昌", "chang"), ("兴", "xing"),
    ("德", "de"), ("华", "hua"), ("泉", "quan"), ("嘉", "jia"), ("清", "qing"), ("河", "he"),
    ("山", "shan"), ("林", "lin"), ("江", "jiang"), ("源", "yuan"), ("丰", "feng"), ("济", "ji"),
    ("东", "dong"), ("西", "xi"), ("南", "nan"), ("北", "bei"), ("长", "chang"), ("永", "yong"),
    ("新", "xin"), ("开", "kai"), ("武", "wu"), ("金", "jin"), ("云", "yun"), ("海", "hai"),
    ("泰", "tai"), ("鹤", "he"), ("岳", "yue"), ("宜", "yi"), ("临", "lin"), ("沂", "yi"),
    ("汶", "wen"), ("淮", "huai"), ("崇", "chong"), ("乐", "le"), ("吉", "ji"), ("桂", "gui"),
    ("柳", "liu"), ("松", "song"), ("梅", "mei"), ("榆", "yu"), ("石", "shi"), ("峰", "feng"),
]

# Fields for college and group names: (zh, en).
FIELDS = [
    ("机电", "Mechanical and Electrical"), ("交通", "Transport"), ("化工", "Chemical"),
    ("工业", "Industrial"), ("信息工程", "Information Engineering"), ("建筑", "Construction"),
    ("轻工", "Light Industry"), ("电子", "Electronics"), ("汽车", "Automotive"),
    ("能源", "Energy"), ("农业", "Agricultural"), ("商贸", "Commerce and Trade"),
    ("航空", "Aviation"), ("海洋", "Marine"), ("医药", "Pharmaceutical"), ("纺织", "Textile"),
    ("冶金", "Metallurgy"), ("电力", "Electric Power"), ("港航", "Port and Shipping"),
    ("智能制造", "Intelligent Manufacturing"), ("服务", "Service"), ("旅游", "Tourism"),
]

# Enterprise brand words and industries: (zh, en).
BRANDS = [
    ("华鲁", "Hualu"), ("鲁信", "Luxin"), ("恒通", "Hengtong"), ("金泰", "Jintai"),
    ("宏达", "Hongda"), ("瑞丰", "Ruifeng"), ("盛华", "Shenghua"), ("天元", "Tianyuan"),
    ("海丰", "Haifeng"), ("东方", "Dongfang"), ("新华", "Xinhua"), ("泰山", "Taishan"),
    ("齐力", "Qili"), ("永盛", "Yongsheng"), ("中信", "Zhongxin"), ("万达", "Wanda"),
    ("国泰", "Guotai"), ("长城", "Changcheng"), ("宏图", "Hongtu"), ("晨光", "Chenguang"),
]
INDUSTRIES = [
    ("重工", "Heavy Industry"), ("化工", "Chemicals"), ("机械", "Machinery"), ("电气", "Electric"),
    ("汽车零部件", "Auto Parts"), ("纺织", "Textiles"), ("食品", "Foods"), ("能源", "Energy"),
    ("钢铁", "Steel"), ("电子科技", "Electronic Technology"), ("建设", "Construction"),
    ("物流", "Logistics"), ("制药", "Pharmaceuticals"), ("装备制造", "Equipment Manufacturing"),
]

# College classes (share of colleges, mirroring the real registry: mostly technician colleges).
COLLEGE_KINDS = [
    ("TechnicianCollege", "技师学院", "Technician College", 6),
    ("SeniorTechnicalSchool", "高级技工学校", "Senior Technical School", 2),
    ("TechnicalSchool", "技工学校", "Technical School", 2),
    ("VocationalSchool", "职业中等专业学校", "Secondary Vocational School", 1),
]
GROUP_KINDS = [
    ("EducationGroup", "技工教育集团", "Technical Education Group"),
    ("EducationAlliance", "技工教育联盟", "Technical Education Alliance"),
    ("IndustryEducationConsortium", "产教联合体", "Industry-Education Consortium"),
]
PLATFORM_KINDS = [
    ("SkillMasterStudio", "技能大师工作室", "Skill Master Studio"),
    ("TrainingBase", "高技能人才培训基地", "High-Skilled Talent Training Base"),
    ("MasterWorkstation", "技师工作站", "Technician Workstation"),
]

SURNAMES = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("赵", "Zhao"), ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"), ("徐", "Xu"), ("孙", "Sun"),
    ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("高", "Gao"),
    ("林", "Lin"), ("罗", "Luo"), ("郑", "Zheng"), ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"),
    ("唐", "Tang"), ("许", "Xu"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"),
]
GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"),
    ("刚", "gang"), ("桂", "gui"), ("海", "hai"), ("建", "jian"), ("国", "guo"), ("华", "hua"),
    ("立", "li"), ("志", "zhi"), ("峰", "feng"), ("鹏", "peng"), ("宇", "yu"), ("辉", "hui"),
    ("文", "wen"), ("斌", "bin"), ("凯", "kai"), ("玉", "yu"), ("成", "cheng"), ("红", "hong"),
]

SKILLS = ["数控车", "焊接", "电工", "化学实验室技术", "工业机器人", "汽车维修", "钳工", "美容美发",
          "烹饪", "信息网络布线", "楼宇智能化", "机电一体化"]
RESULTS = ["第一名", "第二名", "第三名", "一等奖", "二等奖", "优胜奖"]
PERIOD_LABELS = [("目前", None), ("截至目前", None), ("2024年", "2024"), ("2023年", "2023"),
                 ("近两年", None), ("十四五以来", "2021"), ("现", None)]
NOTES = [
    "Synthetic figure; the unit follows the printed measure word.",
    "Synthetic claim mirroring a collective statement in a city report.",
    "Synthetic: read as a stock at the report's date.",
]
