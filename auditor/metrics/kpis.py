"""The KPIs derived for the audited period from base metrics and the config's costs (DESIGN.md
section 3), each declared once: id, category, unit, formula, the values it can truly take,
its names in every report language, and which way is better.

A KPI that is a share of a whole declares `bounds` SHARE: a value outside them is a
contradiction in the data, reported as undefined. The three KPIs that are not plain
arithmetic on period totals (monthly churn means and lead velocity) name a `method` the
calculator knows.
"""

from __future__ import annotations

from auditor.metrics.model import Kpi, Text

SHARE = (0.0, 1.0)

KPIS: tuple[Kpi, ...] = (
    Kpi(
        "open_rate",
        "response",
        "ratio",
        "unique_opens / emails_delivered",
        bounds=SHARE,
        name=Text(es="Tasa de apertura", en="Open rate"),
        definition=Text(
            es="Parte de los emails entregados que se abrió (inflada por los proxies de privacidad).",
            en="Share of delivered emails that were opened (inflated by privacy proxies).",
        ),
    ),
    Kpi(
        "human_open_rate",
        "response",
        "ratio",
        "unique_opens_human / emails_delivered",
        bounds=SHARE,
        name=Text(es="Tasa de apertura humana", en="Human open rate"),
        definition=Text(
            es="Parte de los emails entregados que abrió una persona (sin proxies de privacidad).",
            en="Share of delivered emails opened by a person (privacy proxies excluded).",
        ),
    ),
    Kpi(
        "click_rate",
        "response",
        "ratio",
        "unique_clicks / emails_delivered",
        bounds=SHARE,
        name=Text(es="Tasa de clics", en="Click rate"),
        definition=Text(
            es="Parte de los emails entregados que recibió un clic.",
            en="Share of delivered emails that were clicked.",
        ),
        short=Text(es="Clics", en="Clicks"),
    ),
    Kpi(
        "click_to_open_rate",
        "response",
        "ratio",
        "unique_clicks / unique_opens",
        name=Text(es="Clics sobre aperturas (CTOR)", en="Click-to-open rate (CTOR)"),
        definition=Text(
            es="Parte de quienes abren que hace clic.", en="Share of openers who click."
        ),
    ),
    Kpi(
        "unsubscribe_rate",
        "response",
        "ratio",
        "unsubscribes / emails_delivered",
        bounds=SHARE,
        name=Text(es="Tasa de baja", en="Unsubscribe rate"),
        definition=Text(es="Bajas por email entregado.", en="Unsubscribes per delivered email."),
        short=Text(es="Bajas", en="Unsubscribes"),
        better="lower",
    ),
    Kpi(
        "bounce_rate",
        "response",
        "ratio",
        "bounces / emails_sent",
        bounds=SHARE,
        name=Text(es="Tasa de rebote", en="Bounce rate"),
        definition=Text(es="Rebotes por email enviado.", en="Bounces per email sent."),
        short=Text(es="Rebotes", en="Bounces"),
        better="lower",
    ),
    Kpi(
        "list_loss_ratio",
        "response",
        "multiple",
        "contacts_lost / leads_new",
        name=Text(es="Contactos perdidos por cada nuevo", en="Contacts lost per new contact"),
        definition=Text(
            es="Contactos que salen de la audiencia (bajas, depurados tras rebotes, quejas, borrados) por cada contacto nuevo: por encima de 1, la lista mengua.",
            en="Contacts who leave the audience (unsubscribed, cleaned after bounces, complained, deleted) per new contact: above 1 the list shrinks.",
        ),
        short=Text(es="Pérdida de lista", en="List loss"),
        better="lower",
    ),
    Kpi(
        "spam_complaint_rate",
        "response",
        "ratio",
        "spam_complaints / emails_delivered",
        bounds=SHARE,
        name=Text(es="Tasa de quejas por spam", en="Spam complaint rate"),
        definition=Text(
            es="Quejas por spam por email entregado (límite inferior).",
            en="Spam complaints per delivered email (a lower bound).",
        ),
        short=Text(es="Quejas", en="Complaints"),
        better="lower",
    ),
    Kpi(
        "behavioral_workflow_share",
        "activity",
        "ratio",
        "workflows_behavioral / workflows_active",
        bounds=SHARE,
        name=Text(es="Peso de los flujos por comportamiento", en="Behavioural workflow share"),
        definition=Text(
            es="Parte de los flujos activos que se dispara por comportamiento.",
            en="Share of active workflows triggered by behaviour.",
        ),
    ),
    Kpi(
        "automated_email_share",
        "activity",
        "ratio",
        "emails_automated / emails_sent",
        bounds=SHARE,
        name=Text(es="Peso de los emails automatizados", en="Automated email share"),
        definition=Text(
            es="Parte de los emails enviados que salió de flujos de automatización.",
            en="Share of emails sent that came from automation workflows.",
        ),
    ),
    Kpi(
        "email_traffic_share",
        "response",
        "ratio",
        "email_sessions / website_sessions",
        bounds=SHARE,
        name=Text(es="Peso del email en el tráfico web", en="Email share of web traffic"),
        definition=Text(
            es="Parte de las sesiones web que llega desde el email.",
            en="Share of website sessions that come from email.",
        ),
    ),
    Kpi(
        "visitor_to_lead_rate",
        "efficiency",
        "ratio",
        "leads_new / website_visitors",
        name=Text(es="Conversión de visitante a lead", en="Visitor-to-lead rate"),
        definition=Text(es="Leads nuevos por visitante web.", en="New leads per website visitor."),
    ),
    Kpi(
        "mql_rate",
        "efficiency",
        "ratio",
        "mqls / leads_new",
        name=Text(es="Tasa de MQL", en="MQL rate"),
        definition=Text(
            es="Parte de los leads nuevos que se cualifica como MQL.",
            en="Share of new leads that become MQLs.",
        ),
    ),
    Kpi(
        "mql_to_sql_rate",
        "efficiency",
        "ratio",
        "sqls / mqls",
        name=Text(es="Conversión de MQL a SQL", en="MQL-to-SQL rate"),
        definition=Text(
            es="Parte de los MQL que ventas acepta.", en="Share of MQLs that sales accepts."
        ),
        short=Text(es="MQL→SQL", en="MQL→SQL"),
    ),
    Kpi(
        "lead_to_customer_rate",
        "efficiency",
        "ratio",
        "customers_new / leads_new",
        name=Text(es="Conversión de lead a cliente", en="Lead-to-customer rate"),
        definition=Text(es="Clientes nuevos por lead nuevo.", en="New customers per new lead."),
        short=Text(es="Lead→cliente", en="Lead→customer"),
    ),
    Kpi(
        "close_rate",
        "value",
        "ratio",
        "deals_won / (deals_won + deals_lost)",
        bounds=SHARE,
        name=Text(es="Tasa de cierre", en="Close rate"),
        definition=Text(
            es="Negocios ganados sobre negocios cerrados.", en="Deals won over deals closed."
        ),
    ),
    Kpi(
        "average_deal_size",
        "value",
        "money",
        "revenue_won / deals_won",
        name=Text(es="Importe medio por negocio", en="Average deal size"),
        definition=Text(
            es="Importe medio de un negocio ganado.", en="Average amount of a won deal."
        ),
    ),
    Kpi(
        "closed_loop_coverage",
        "value",
        "ratio",
        "deals_won_with_source / deals_won",
        bounds=SHARE,
        name=Text(es="Cobertura de ciclo cerrado", en="Closed-loop coverage"),
        definition=Text(
            es="Parte de los negocios ganados con origen de marketing conocido.",
            en="Share of won deals whose marketing source is known.",
        ),
    ),
    Kpi(
        "marketing_cost",
        "efficiency",
        "money",
        "costs.platform + costs.staff + costs.services + costs.media",
        name=Text(es="Coste de marketing", en="Marketing cost"),
        definition=Text(
            es="Licencia, personal, servicios y medios del periodo.",
            en="Licence, staff, services and media for the period.",
        ),
        better="lower",
    ),
    Kpi(
        "automation_tco",
        "efficiency",
        "money",
        "costs.platform + costs.staff + costs.services",
        name=Text(es="Coste total de la automatización", en="Total cost of automation"),
        definition=Text(
            es="Coste total de la automatización: licencia, personal y servicios.",
            en="Total cost of owning the automation: licence, staff and services.",
        ),
        short=Text(es="Coste", en="Cost"),
        better="lower",
    ),
    Kpi(
        "cost_per_lead",
        "efficiency",
        "money",
        "marketing_cost / leads_new",
        name=Text(es="Coste por lead", en="Cost per lead"),
        definition=Text(es="Coste de marketing por lead nuevo.", en="Marketing cost per new lead."),
        better="lower",
    ),
    Kpi(
        "cost_per_mql",
        "efficiency",
        "money",
        "marketing_cost / mqls",
        name=Text(es="Coste por MQL", en="Cost per MQL"),
        definition=Text(es="Coste de marketing por MQL.", en="Marketing cost per MQL."),
        better="lower",
    ),
    Kpi(
        "cac",
        "value",
        "money",
        "(marketing_cost + costs.sales + costs.overhead) / customers_new",
        name=Text(es="Coste de captación de cliente (CAC)", en="Customer acquisition cost (CAC)"),
        definition=Text(
            es="Coste de marketing, ventas y estructura por cliente nuevo.",
            en="Marketing, sales and overhead cost per new customer.",
        ),
        short=Text(es="CAC", en="CAC"),
        better="lower",
    ),
    Kpi(
        "automation_roi",
        "value",
        "ratio",
        "(revenue_attributed - automation_tco) / automation_tco",
        name=Text(es="ROI de la automatización", en="Automation ROI"),
        definition=Text(
            es="Ingresos atribuidos menos el coste de la automatización, sobre ese coste.",
            en="Attributed revenue minus the cost of automation, over that cost.",
        ),
    ),
    Kpi(
        "romi",
        "value",
        "ratio",
        "(revenue_attributed * finance.gross_margin - marketing_cost) / marketing_cost",
        name=Text(
            es="Retorno de la inversión en marketing (ROMI)",
            en="Return on marketing investment (ROMI)",
        ),
        definition=Text(
            es="Margen bruto de los ingresos atribuidos menos el gasto de marketing, sobre ese gasto.",
            en="Gross profit on attributed revenue minus marketing spend, over that spend.",
        ),
    ),
    Kpi(
        "marketing_revenue_share",
        "value",
        "ratio",
        "revenue_attributed / revenue_total",
        bounds=SHARE,
        name=Text(es="Peso de marketing en los ingresos", en="Marketing share of revenue"),
        definition=Text(
            es="Parte de los ingresos totales atribuida a marketing.",
            en="Share of total revenue attributed to marketing.",
        ),
    ),
    Kpi(
        "arpa",
        "value",
        "money",
        "mrr / accounts_active",
        name=Text(es="Ingreso medio por cuenta (ARPA)", en="Average revenue per account (ARPA)"),
        definition=Text(
            es="MRR por cuenta activa (mensual).", en="MRR per active account (monthly)."
        ),
    ),
    Kpi(
        "gross_mrr_churn_rate",
        "value",
        "ratio",
        "mean over the period's months of mrr_churned(month) / mrr(previous month)",
        method="monthly_churn:mrr_churned:mrr",
        name=Text(es="Pérdida bruta mensual de MRR", en="Gross monthly MRR churn"),
        definition=Text(
            es="Media mensual del MRR perdido sobre el MRR del mes anterior.",
            en="Monthly mean of MRR lost over the previous month's MRR.",
        ),
        better="lower",
    ),
    Kpi(
        "customer_churn_rate",
        "value",
        "ratio",
        "mean over the period's months of accounts_churned(month) / accounts_active(previous month)",
        method="monthly_churn:accounts_churned:accounts_active",
        name=Text(es="Baja mensual de clientes", en="Monthly customer churn"),
        definition=Text(
            es="Media mensual de cuentas perdidas sobre las activas del mes anterior.",
            en="Monthly mean of accounts lost over the previous month's active accounts.",
        ),
        better="lower",
    ),
    Kpi(
        "cac_payback_months",
        "value",
        "months",
        "cac / (arpa * finance.gross_margin)",
        name=Text(es="Meses para recuperar el CAC", en="CAC payback (months)"),
        definition=Text(
            es="Meses de margen bruto por cuenta necesarios para recuperar el CAC.",
            en="Months of gross profit per account needed to recover the CAC.",
        ),
        better="lower",
    ),
    Kpi(
        "cltv",
        "value",
        "money",
        "arpa / customer_churn_rate",
        name=Text(es="Valor de vida del cliente (CLTV)", en="Customer lifetime value (CLTV)"),
        definition=Text(
            es="Ingreso de vida de un cliente: ARPA sobre la baja mensual de clientes.",
            en="Revenue lifetime value: ARPA over monthly customer churn.",
        ),
    ),
    Kpi(
        "ltv_to_cac",
        "value",
        "multiple",
        "cltv * finance.gross_margin / cac",
        name=Text(es="Relación LTV:CAC", en="LTV:CAC ratio"),
        definition=Text(
            es="Valor de vida en margen bruto por euro de CAC (referencia habitual 3:1).",
            en="Gross-margin lifetime value per unit of CAC (usual norm 3:1).",
        ),
    ),
    Kpi(
        "lead_velocity_rate",
        "efficiency",
        "ratio",
        "(mqls this period - mqls previous period) / mqls previous period",
        method="lead_velocity",
        name=Text(es="Velocidad de leads (MQL)", en="Lead velocity rate (MQLs)"),
        definition=Text(
            es="Variación de los MQL frente al periodo anterior.",
            en="Change in MQLs against the previous period.",
        ),
    ),
)
