"""The base metrics connectors deliver, each declared once with every fact about it: id,
category, unit, monthly aggregation, the one definition every connector follows (issue 11),
its names in every report language, and which way is better.

A connector that cannot follow a definition says how it differs
(`definition_differences` in its provenance), so two clients on different platforms are
compared on the same figure or told why not. `docs/definitions.md` is generated from this
table (`python scripts/make_definitions_doc.py`).
"""

from __future__ import annotations

from auditor.metrics.model import BaseMetric, Text

BASE_METRICS: tuple[BaseMetric, ...] = (
    BaseMetric(
        "emails_sent",
        "activity",
        "count",
        "sum",
        meaning="marketing emails sent",
        name=Text(es="Emails enviados", en="Emails sent"),
        short=Text(es="Enviados", en="Sent"),
        definition=Text(
            es="Todos los emails de marketing enviados a un destinatario en el mes, uno por destinatario: campañas puntuales (masivas) Y emails automatizados (flujos, recorridos); incluye los rebotados; excluye los transaccionales y los emails comerciales uno a uno.",
            en="every marketing email sent to a recipient in the month, one per recipient: one-off (bulk) campaigns AND automated emails (workflows, journeys, flows); bounced emails included; transactional and one-to-one sales emails excluded",
        ),
    ),
    BaseMetric(
        "emails_delivered",
        "activity",
        "count",
        "sum",
        meaning="sent minus bounced",
        name=Text(es="Emails entregados", en="Emails delivered"),
        definition=Text(
            es="Emails enviados menos los rebotes duros y blandos.",
            en="emails_sent less hard and soft bounces",
        ),
    ),
    BaseMetric(
        "campaigns_sent",
        "activity",
        "count",
        "sum",
        meaning="distinct campaigns / sends",
        name=Text(es="Campañas enviadas", en="Campaigns sent"),
        definition=Text(
            es="Emails de marketing distintos (campañas puntuales, y emails automatizados donde la plataforma los informa por email) con al menos un envío en el mes.",
            en="distinct marketing emails (one-off campaigns, and automated emails where the platform reports them per email) with at least one send in the month",
        ),
    ),
    BaseMetric(
        "workflows_active",
        "activity",
        "count",
        "last",
        meaning="automation workflows switched on",
        name=Text(es="Flujos de automatización activos", en="Active automation workflows"),
        short=Text(es="Activos", en="Active"),
        definition=Text(
            es="Automatizaciones de marketing activadas al cierre del mes (flujos de contactos o empresas; se excluyen los flujos de negocios, tickets y otros objetos).",
            en="marketing automations switched on at the month's end (contact or company workflows; deal, ticket and other object workflows excluded)",
        ),
    ),
    BaseMetric(
        "workflows_behavioral",
        "activity",
        "count",
        "last",
        meaning="active workflows triggered by a lead's or customer's behaviour (form, page visit, click, score change), not by a date or a manual list send",
        name=Text(es="Flujos por comportamiento", en="Behaviour-triggered workflows"),
        short=Text(es="Comportam.", en="Behavioural"),
        definition=Text(
            es="Flujos activos en los que el contacto entra por su comportamiento (formulario, visita a una página, clic, cambio de puntuación, compra), no por una fecha, una importación de lista o una inscripción manual.",
            en="active workflows enrolled by a contact's behaviour (form, page visit, click, score change, purchase), not by a date, a list import or a manual enrolment",
        ),
    ),
    BaseMetric(
        "emails_automated",
        "activity",
        "count",
        "sum",
        meaning="marketing emails sent by automations (workflows, journeys, flows), part of emails_sent",
        name=Text(es="Emails enviados por automatizaciones", en="Emails sent by automations"),
        definition=Text(
            es="Emails de marketing enviados en el mes por automatizaciones (flujos, recorridos), uno por destinatario; parte de los emails enviados.",
            en="marketing emails sent in the month by automations (workflows, journeys, flows), one per recipient; part of emails_sent",
        ),
    ),
    BaseMetric(
        "unique_opens",
        "response",
        "count",
        "sum",
        meaning="unique opens",
        name=Text(es="Aperturas únicas", en="Unique opens"),
        definition=Text(
            es="Destinatarios que abrieron un email del mes al menos una vez, contados una vez por email; INCLUYE las aperturas de los proxies de privacidad (Apple Mail Privacy Protection).",
            en="recipients who opened an email of the month at least once, counted once per email; privacy-proxy (Apple Mail Privacy Protection) opens INCLUDED",
        ),
    ),
    BaseMetric(
        "unique_opens_human",
        "response",
        "count",
        "sum",
        meaning="unique opens without machine opens (mail privacy proxies such as Apple MPP)",
        name=Text(es="Aperturas únicas humanas", en="Unique human opens"),
        definition=Text(
            es="Aperturas únicas menos las que hizo un proxy de privacidad del correo (se EXCLUYEN Apple MPP y otras aperturas automáticas); parte de las aperturas únicas.",
            en="unique_opens less the opens a mail privacy proxy made (Apple MPP and similar machine opens EXCLUDED); part of unique_opens",
        ),
    ),
    BaseMetric(
        "unique_clicks",
        "response",
        "count",
        "sum",
        meaning="unique clicks",
        name=Text(es="Clics únicos", en="Unique clicks"),
        definition=Text(
            es="Destinatarios que hicieron clic en un email del mes al menos una vez, contados una vez por email sea cual sea el número de enlaces pulsados (contactos, no pares contacto-enlace).",
            en="recipients who clicked in an email of the month at least once, counted once per email whatever the number of links clicked (contacts, not (contact, link) pairs)",
        ),
    ),
    BaseMetric(
        "unsubscribes",
        "response",
        "count",
        "sum",
        meaning="unsubscribes",
        name=Text(es="Bajas", en="Unsubscribes"),
        definition=Text(
            es="Destinatarios que se dieron de baja desde un email del mes.",
            en="recipients who unsubscribed from an email of the month",
        ),
        better="lower",
    ),
    BaseMetric(
        "bounces",
        "response",
        "count",
        "sum",
        meaning="hard + soft bounces",
        name=Text(es="Rebotes", en="Bounces"),
        definition=Text(
            es="Rebotes duros y blandos de los envíos del mes.",
            en="hard + soft bounces of the month's sends",
        ),
        better="lower",
    ),
    BaseMetric(
        "spam_complaints",
        "response",
        "count",
        "sum",
        meaning="spam complaints",
        name=Text(es="Quejas por spam", en="Spam complaints"),
        definition=Text(
            es="Destinatarios que marcaron un email del mes como spam (quejas por abuso).",
            en="recipients who marked an email of the month as spam (abuse reports)",
        ),
        better="lower",
    ),
    BaseMetric(
        "contacts_lost",
        "response",
        "count",
        "sum",
        meaning="contacts who left the marketing audience (unsubscribed, cleaned after bounces, marked spam, deleted)",
        name=Text(es="Contactos perdidos", en="Contacts lost"),
        definition=Text(
            es="Contactos que salieron de la audiencia de marketing en el mes, sea por el email que sea: bajas, depurados tras rebotes duros, quejas y borrados.",
            en="contacts who left the marketing audience in the month, whatever the email: unsubscribed, cleaned after hard bounces, complained, deleted",
        ),
    ),
    BaseMetric(
        "email_sessions",
        "response",
        "count",
        "sum",
        meaning="website sessions from email",
        name=Text(es="Sesiones desde email", en="Sessions from email"),
        definition=Text(
            es="Sesiones web del mes cuyo origen es el email.",
            en="website sessions whose source is email, in the month",
        ),
    ),
    BaseMetric(
        "website_sessions",
        "response",
        "count",
        "sum",
        meaning="all website sessions",
        name=Text(es="Sesiones web", en="Website sessions"),
        definition=Text(
            es="Todas las sesiones web del mes.", en="all website sessions in the month"
        ),
    ),
    BaseMetric(
        "website_visitors",
        "response",
        "count",
        "sum",
        meaning="unique website visitors",
        name=Text(es="Visitantes web", en="Website visitors"),
        definition=Text(
            es="Visitantes web únicos del mes.", en="unique website visitors in the month"
        ),
    ),
    BaseMetric(
        "conversions",
        "response",
        "count",
        "sum",
        meaning="form submissions / conversion events",
        name=Text(es="Conversiones", en="Conversions"),
        definition=Text(
            es="Envíos de formularios (o eventos de conversión) del mes.",
            en="form submissions (or conversion events) in the month",
        ),
    ),
    BaseMetric(
        "leads_new",
        "efficiency",
        "count",
        "sum",
        meaning="new leads (prospects)",
        name=Text(es="Leads nuevos", en="New leads"),
        short=Text(es="Leads", en="Leads"),
        definition=Text(
            es="Contactos que pasaron a ser leads en el mes (por su fecha de creación o de lead).",
            en="contacts who became leads in the month (by their creation or lead date)",
        ),
    ),
    BaseMetric(
        "mqls",
        "efficiency",
        "count",
        "sum",
        meaning="marketing-qualified leads created",
        name=Text(es="MQL", en="MQLs"),
        short=Text(es="MQL", en="MQLs"),
        definition=Text(
            es="Contactos que pasaron a estar cualificados por marketing en el mes.",
            en="contacts who became marketing-qualified in the month",
        ),
    ),
    BaseMetric(
        "sqls",
        "efficiency",
        "count",
        "sum",
        meaning="leads accepted by sales (passed to sales)",
        name=Text(es="SQL", en="SQLs"),
        definition=Text(
            es="Contactos aceptados por ventas en el mes (entrada en la etapa SQL u oportunidad).",
            en="contacts accepted by sales (SQL / opportunity stage entered) in the month",
        ),
    ),
    BaseMetric(
        "customers_new",
        "efficiency",
        "count",
        "sum",
        meaning="new customers won",
        name=Text(es="Clientes nuevos", en="New customers"),
        short=Text(es="Clientes", en="Customers"),
        definition=Text(
            es="Contactos que pasaron a ser clientes en el mes.",
            en="contacts who became customers in the month",
        ),
    ),
    BaseMetric(
        "deals_won",
        "value",
        "count",
        "sum",
        meaning="deals won",
        name=Text(es="Negocios ganados", en="Deals won"),
        definition=Text(
            es="Negocios marcados como ganados en el mes (fechados al cerrarse, no en su última edición).",
            en="deals marked won in the month (dated when closed, not when last edited)",
        ),
    ),
    BaseMetric(
        "deals_lost",
        "value",
        "count",
        "sum",
        meaning="deals lost",
        name=Text(es="Negocios perdidos", en="Deals lost"),
        definition=Text(
            es="Negocios marcados como perdidos en el mes (fechados al cerrarse, no en su última edición).",
            en="deals marked lost in the month (dated when closed, not when last edited)",
        ),
        better="lower",
    ),
    BaseMetric(
        "deals_won_with_source",
        "value",
        "count",
        "sum",
        meaning="won deals whose original marketing source is known (closed loop)",
        name=Text(es="Negocios ganados con origen conocido", en="Won deals with known source"),
        definition=Text(
            es="Negocios ganados en el mes cuyo origen de marketing inicial se conoce.",
            en="deals won in the month whose original marketing source is known",
        ),
    ),
    BaseMetric(
        "revenue_won",
        "value",
        "money",
        "sum",
        meaning="amount of deals won",
        name=Text(es="Importe ganado", en="Revenue won"),
        definition=Text(
            es="Importe de los negocios ganados en el mes, en una sola moneda (nunca se suman dos).",
            en="amount of the deals won in the month, in one currency (never two added)",
        ),
    ),
    BaseMetric(
        "revenue_attributed",
        "value",
        "money",
        "sum",
        meaning="revenue attributed to marketing",
        name=Text(es="Ingresos atribuidos a marketing", en="Revenue attributed to marketing"),
        short=Text(es="Ingresos", en="Revenue"),
        definition=Text(
            es="Ingresos del mes que la plataforma atribuye a marketing.",
            en="revenue of the month the platform attributes to marketing",
        ),
    ),
    BaseMetric(
        "revenue_total",
        "value",
        "money",
        "sum",
        meaning="all revenue of the business",
        name=Text(es="Ingresos totales", en="Total revenue"),
        definition=Text(
            es="Todos los ingresos del negocio en el mes.",
            en="all revenue of the business in the month",
        ),
    ),
    BaseMetric(
        "mrr",
        "value",
        "money",
        "last",
        meaning="monthly recurring revenue at period end",
        name=Text(es="Ingresos recurrentes mensuales (MRR)", en="Monthly recurring revenue (MRR)"),
        definition=Text(
            es="Ingresos recurrentes mensuales al cierre del mes.",
            en="monthly recurring revenue at the month's end",
        ),
    ),
    BaseMetric(
        "mrr_churned",
        "value",
        "money",
        "sum",
        meaning="MRR lost to cancellations and downgrades",
        name=Text(es="MRR perdido", en="MRR churned"),
        definition=Text(
            es="Ingresos recurrentes mensuales perdidos en el mes por cancelaciones y rebajas de plan.",
            en="monthly recurring revenue lost in the month to cancellations and downgrades",
        ),
        better="lower",
    ),
    BaseMetric(
        "accounts_active",
        "value",
        "count",
        "last",
        meaning="paying accounts at period end",
        name=Text(es="Cuentas de pago activas", en="Active paying accounts"),
        definition=Text(
            es="Cuentas de pago al cierre del mes.", en="paying accounts at the month's end"
        ),
    ),
    BaseMetric(
        "accounts_churned",
        "value",
        "count",
        "sum",
        meaning="paying accounts lost",
        name=Text(es="Cuentas perdidas", en="Accounts churned"),
        definition=Text(
            es="Cuentas de pago perdidas en el mes.", en="paying accounts lost in the month"
        ),
        better="lower",
    ),
)
