//! [`Customer`]: a buyer you charge again, with their saved payment details and billing
//! settings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{Address, Currency, Expandable, HasId, List, Metadata, Shipping, Timestamp};
use super::{PaymentMethod, Subscription};
use crate::open_enum::open_enum;

/// A Customer (`"object": "customer"`).
///
/// Every field of the current API reference; fields an API version does not send are `None`
/// (or empty). `sources`, `subscriptions` and `tax_ids` are lists that API versions before
/// 2020-08-27 always sent and later ones send only when the request expands them;
/// `account_balance` is the name `balance` had before 2019-10-17. `customer.deleted` events
/// carry the last state of the customer, and a deleted customer read through the API is only
/// `{"id", "object", "deleted": true}`: both parse, the latter with everything else empty.
///
/// `default_source` stays an [`Expandable`] of [`serde_json::Value`]: expanded, it is a card,
/// a bank account or a legacy source, three different shapes. `cash_balance` also stays a
/// `Value`.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{Customer, CustomerTaxExempt};
///
/// let customer: Customer = serde_json::from_str(r#"{
///   "id": "cus_1", "object": "customer", "email": "jenny@example.com", "balance": -500,
///   "tax_exempt": "reverse",
///   "invoice_settings": {"default_payment_method": "pm_1", "custom_fields": null, "footer": null}
/// }"#).unwrap();
/// assert_eq!(customer.email.as_deref(), Some("jenny@example.com"));
/// assert_eq!(customer.balance, -500);
/// assert_eq!(customer.tax_exempt, Some(CustomerTaxExempt::Reverse));
/// let default_pm = customer.invoice_settings.default_payment_method.unwrap();
/// assert_eq!(default_pm.id(), Some("pm_1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Customer {
    /// Unique identifier (`cus_…`).
    pub id: String,
    /// The balance under its pre-2019-10-17 name; read `balance` on newer versions.
    pub account_balance: Option<i64>,
    /// Billing address.
    pub address: Option<Address>,
    /// Balance in the default currency: negative is credit toward the next invoice, positive
    /// is owed and added to it.
    pub balance: i64,
    /// Business name.
    pub business_name: Option<String>,
    /// Funds Stripe holds for the customer (a `cash_balance` object), when included.
    pub cash_balance: Option<Value>,
    /// When it was created.
    pub created: Timestamp,
    /// The currency used for recurring billing.
    pub currency: Option<Currency>,
    /// The account (Accounts v2) that represents this customer, if any.
    pub customer_account: Option<String>,
    /// The default legacy payment source: an id, or an expanded card, bank account or source.
    pub default_source: Option<Expandable>,
    /// `true` when the customer was deleted (only deleted customers send it).
    pub deleted: Option<bool>,
    /// Whether the latest invoice is past due or failed automatic payment.
    pub delinquent: Option<bool>,
    /// Arbitrary description.
    pub description: Option<String>,
    /// The discount currently applied to the customer, if any.
    pub discount: Option<CustomerDiscount>,
    /// Email address.
    pub email: Option<String>,
    /// Individual (person) name.
    pub individual_name: Option<String>,
    /// Credit balances per currency, in minor units.
    pub invoice_credit_balance: BTreeMap<String, i64>,
    /// Prefix of this customer's invoice numbers.
    pub invoice_prefix: Option<String>,
    /// Default invoice settings (default payment method, footer, custom fields).
    pub invoice_settings: CustomerInvoiceSettings,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// Your key-value pairs.
    pub metadata: Metadata,
    /// Full name or business name.
    pub name: Option<String>,
    /// The sequence number of the next invoice.
    pub next_invoice_sequence: Option<i64>,
    /// Phone number.
    pub phone: Option<String>,
    /// Preferred locales, most preferred first.
    pub preferred_locales: Option<Vec<String>>,
    /// Shipping name and address.
    pub shipping: Option<Shipping>,
    /// Legacy payment sources (cards, bank accounts, sources, each its own shape): always sent
    /// before 2020-08-27, later only when expanded.
    pub sources: Option<List<Value>>,
    /// Subscriptions: always sent before 2020-08-27, later only when expanded.
    pub subscriptions: Option<List<Subscription>>,
    /// Tax location and automatic tax status, when expanded.
    pub tax: Option<CustomerTax>,
    /// Tax exemption status.
    pub tax_exempt: Option<CustomerTaxExempt>,
    /// Tax ids: always sent before 2020-08-27, later only when expanded.
    pub tax_ids: Option<List<CustomerTaxId>>,
    /// The test clock the customer belongs to.
    pub test_clock: Option<Expandable>,
}

impl HasId for Customer {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// `customer.invoice_settings`: defaults for the customer's invoices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CustomerInvoiceSettings {
    /// Custom fields shown on invoices.
    pub custom_fields: Option<Vec<CustomerInvoiceCustomField>>,
    /// The default payment method for subscriptions and invoices.
    pub default_payment_method: Option<Expandable<PaymentMethod>>,
    /// Footer shown on invoices.
    pub footer: Option<String>,
    /// Invoice PDF rendering options.
    pub rendering_options: Option<CustomerInvoiceRenderingOptions>,
}

/// One custom field of `invoice_settings.custom_fields`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CustomerInvoiceCustomField {
    /// The field's name.
    pub name: String,
    /// The field's value.
    pub value: String,
}

/// `invoice_settings.rendering_options`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CustomerInvoiceRenderingOptions {
    /// How amounts are shown with respect to tax (`exclude_tax`, `include_inclusive_tax`).
    pub amount_tax_display: Option<String>,
    /// The invoice rendering template id.
    pub template: Option<String>,
}

/// `customer.discount`: a coupon or promotion code applied to the customer.
///
/// The coupon moved: older API versions send it as `coupon`, newer ones as `source.coupon`.
/// Both stay [`serde_json::Value`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CustomerDiscount {
    /// Unique identifier (`di_…`); absent on old API versions.
    pub id: Option<String>,
    /// The Checkout Session it applies to, if any.
    pub checkout_session: Option<String>,
    /// The coupon (older API versions; see `source` on newer ones).
    pub coupon: Option<Value>,
    /// The customer it belongs to.
    pub customer: Option<Expandable<Customer>>,
    /// The customer account (Accounts v2) it belongs to.
    pub customer_account: Option<String>,
    /// When it ends, for coupons with a `repeating` duration.
    pub end: Option<Timestamp>,
    /// The invoice it applies to, if any.
    pub invoice: Option<String>,
    /// The invoice item it applies to, if any.
    pub invoice_item: Option<String>,
    /// The promotion code that created it.
    pub promotion_code: Option<Expandable>,
    /// Where it comes from (`{"type": "coupon", "coupon": …}`), on newer API versions.
    pub source: Option<Value>,
    /// When it was applied.
    pub start: Option<Timestamp>,
    /// The subscription it applies to, if any.
    pub subscription: Option<String>,
    /// The subscription item it applies to, if any.
    pub subscription_item: Option<String>,
}

/// `customer.tax`: the customer's tax location, sent when expanded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CustomerTax {
    /// Whether automatic tax can be computed for this customer.
    pub automatic_tax: CustomerAutomaticTax,
    /// A recent IP address used to infer the location.
    pub ip_address: Option<String>,
    /// The inferred tax location.
    pub location: Option<CustomerTaxLocation>,
    /// The tax calculation provider.
    pub provider: Option<CustomerTaxProvider>,
}

/// `customer.tax.location`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CustomerTaxLocation {
    /// Two-letter country code.
    pub country: Option<String>,
    /// What the location was inferred from.
    pub source: Option<CustomerTaxLocationSource>,
    /// State, county, province or region.
    pub state: Option<String>,
}

/// A tax id object (`"object": "tax_id"`), as listed in `customer.tax_ids`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CustomerTaxId {
    /// Unique identifier (`txi_…`).
    pub id: String,
    /// Two-letter country code of the tax id.
    pub country: Option<String>,
    /// When it was created.
    pub created: Timestamp,
    /// The customer it belongs to.
    pub customer: Option<Expandable<Customer>>,
    /// The customer account (Accounts v2) it belongs to.
    pub customer_account: Option<String>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// The account or customer owning it.
    pub owner: Option<Value>,
    /// The kind of tax id (`eu_vat`, `us_ein`, …).
    #[serde(rename = "type")]
    pub tax_id_type: CustomerTaxIdType,
    /// The tax id itself.
    pub value: String,
    /// Verification status and the verified name and address.
    pub verification: Option<Value>,
}

impl HasId for CustomerTaxId {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

open_enum! {
    /// `customer.tax_exempt` (also `customer_details.tax_exempt` on Checkout Sessions).
    pub enum CustomerTaxExempt {
        Exempt => "exempt",
        None => "none",
        Reverse => "reverse",
    }
}

open_enum! {
    /// `customer.tax.automatic_tax`.
    pub enum CustomerAutomaticTax {
        Failed => "failed",
        NotCollecting => "not_collecting",
        Supported => "supported",
        UnrecognizedLocation => "unrecognized_location",
    }
}

open_enum! {
    /// `customer.tax.provider`.
    pub enum CustomerTaxProvider {
        Anrok => "anrok",
        Avalara => "avalara",
        Sphere => "sphere",
        Stripe => "stripe",
    }
}

open_enum! {
    /// `customer.tax.location.source`.
    pub enum CustomerTaxLocationSource {
        BillingAddress => "billing_address",
        IpAddress => "ip_address",
        PaymentMethod => "payment_method",
        ShippingDestination => "shipping_destination",
    }
}

open_enum! {
    /// The `type` of a tax id: `tax_ids.data[].type` on customers, `customer_details.tax_ids[].type`
    /// on Checkout Sessions.
    pub enum CustomerTaxIdType {
        AdNrt => "ad_nrt",
        AeTrn => "ae_trn",
        AlTin => "al_tin",
        AmTin => "am_tin",
        AoTin => "ao_tin",
        ArCuit => "ar_cuit",
        AuAbn => "au_abn",
        AuAcn => "au_acn",
        AuArn => "au_arn",
        AuWpn => "au_wpn",
        AwTin => "aw_tin",
        AzTin => "az_tin",
        BaTin => "ba_tin",
        BbTin => "bb_tin",
        BdBin => "bd_bin",
        BfIfu => "bf_ifu",
        BgUic => "bg_uic",
        BhVat => "bh_vat",
        BjIfu => "bj_ifu",
        BoTin => "bo_tin",
        BrCnpj => "br_cnpj",
        BrCpf => "br_cpf",
        BsTin => "bs_tin",
        BwVat => "bw_vat",
        ByTin => "by_tin",
        CaBn => "ca_bn",
        CaGstHst => "ca_gst_hst",
        CaPstBc => "ca_pst_bc",
        CaPstMb => "ca_pst_mb",
        CaPstSk => "ca_pst_sk",
        CaQst => "ca_qst",
        CdNif => "cd_nif",
        ChUid => "ch_uid",
        ChVat => "ch_vat",
        CiVat => "ci_vat",
        ClTin => "cl_tin",
        CmNiu => "cm_niu",
        CnTin => "cn_tin",
        CoNit => "co_nit",
        CrTin => "cr_tin",
        CvNif => "cv_nif",
        CzDic => "cz_dic",
        DeStn => "de_stn",
        DoRcn => "do_rcn",
        EcRuc => "ec_ruc",
        EgTin => "eg_tin",
        EsCif => "es_cif",
        EtTin => "et_tin",
        EuOssVat => "eu_oss_vat",
        EuVat => "eu_vat",
        FoVat => "fo_vat",
        FrSiren => "fr_siren",
        FrSiret => "fr_siret",
        FrSpi => "fr_spi",
        GbVat => "gb_vat",
        GeVat => "ge_vat",
        GhTin => "gh_tin",
        GiTin => "gi_tin",
        GnNif => "gn_nif",
        HkBr => "hk_br",
        HrOib => "hr_oib",
        HuTin => "hu_tin",
        IcNif => "ic_nif",
        IdNpwp => "id_npwp",
        IlVat => "il_vat",
        InGst => "in_gst",
        IsKt => "is_kt",
        IsVat => "is_vat",
        ItCf => "it_cf",
        JpCn => "jp_cn",
        JpRn => "jp_rn",
        JpTrn => "jp_trn",
        KePin => "ke_pin",
        KgTin => "kg_tin",
        KhTin => "kh_tin",
        KrBrn => "kr_brn",
        KzBin => "kz_bin",
        LaTin => "la_tin",
        LiUid => "li_uid",
        LiVat => "li_vat",
        LkVat => "lk_vat",
        MaVat => "ma_vat",
        MdCf => "md_cf",
        MdVat => "md_vat",
        MePib => "me_pib",
        MkVat => "mk_vat",
        MrNif => "mr_nif",
        MuVat => "mu_vat",
        MxRfc => "mx_rfc",
        MyFrp => "my_frp",
        MyItn => "my_itn",
        MySst => "my_sst",
        MzNuit => "mz_nuit",
        NgTin => "ng_tin",
        NoVat => "no_vat",
        NoVoec => "no_voec",
        NpPan => "np_pan",
        NzBn => "nz_bn",
        NzGst => "nz_gst",
        OmVat => "om_vat",
        PeRuc => "pe_ruc",
        PhTin => "ph_tin",
        PlNip => "pl_nip",
        PtNif => "pt_nif",
        PyRuc => "py_ruc",
        RoTin => "ro_tin",
        RsPib => "rs_pib",
        RuInn => "ru_inn",
        RuKpp => "ru_kpp",
        SaVat => "sa_vat",
        SgGst => "sg_gst",
        SgUen => "sg_uen",
        SiTin => "si_tin",
        SmCoe => "sm_coe",
        SnNinea => "sn_ninea",
        SrFin => "sr_fin",
        SvNit => "sv_nit",
        ThVat => "th_vat",
        TjTin => "tj_tin",
        TrTin => "tr_tin",
        TtBir => "tt_bir",
        TtVat => "tt_vat",
        TwVat => "tw_vat",
        TzVat => "tz_vat",
        UaVat => "ua_vat",
        UgTin => "ug_tin",
        UnknownType => "unknown",
        UsEin => "us_ein",
        UyRuc => "uy_ruc",
        UzTin => "uz_tin",
        UzVat => "uz_vat",
        VeRif => "ve_rif",
        VnTin => "vn_tin",
        ZaVat => "za_vat",
        ZmTin => "zm_tin",
        ZwTin => "zw_tin",
    }
}
