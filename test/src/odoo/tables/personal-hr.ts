// Personal data of HR: an employee (and its resource) for every member of staff, whose work
// contact is their user's partner (kept by sanitization) and whose private life (home address and
// phone, private mailbox, identity documents, family, car) is to be masked; their leaves, company
// cars and point-of-sale orders; job applicants with their mails.
import { ts, ANCHOR, slug } from '../fake.js';
import type { Row } from '../insert.js';
import type { Planting } from '../personal.js';
import { e164, fakeAddress, fakeDate, fakeIdentity, fakeName, fakePhone, fakePlate, fakeVin, normalizeEmail, privateEmail } from '../personal-fake.js';
import { messageRow, type Staff } from './personal-crm.js';

const when = (days: number): string => ts(ANCHOR - days * 86_400_000);
const JOBS = ['Sales Manager', 'Accountant', 'Warehouse Operator', 'Developer', 'HR Officer', 'Customer Support Agent', 'Buyer'];

export async function writeEmployees(pl: Planting, staff: readonly Staff[]): Promise<number[]> {
  if (!pl.has('hr_employee')) return [];
  const rng = pl.rng.fork('employees');
  const employees: Row[] = [];
  const resources: Row[] = [];
  const T = 'hr_employee';
  const ids: number[] = [];
  for (const [i, s] of staff.entries()) {
    const id = i + 1;
    ids.push(id);
    const [first = s.name, ...rest] = s.name.split(' ');
    const last = rest.join(' ') || first;
    const home = fakeAddress(rng);
    const privateMail = privateEmail(rng, pl.values, first, last);
    const privatePhone = fakePhone(rng, pl.values);
    const emergency = fakeName(rng, pl.values);
    const emergencyPhone = fakePhone(rng, pl.values);
    const spouse = i % 2 === 0 ? fakeName(rng, pl.values).name : null;
    const birthday = fakeDate(rng, 1965, 2001);
    const spouseBirthday = spouse ? fakeDate(rng, 1965, 2001) : null;
    const ids2 = fakeIdentity(rng, pl.values, birthday);
    const plate = fakePlate(rng, pl.values);
    const birthPlace = rng.pick(['Namur', 'Mechelen', 'Charleroi', 'Brugge', 'Lille', 'Maastricht']);
    const mobilePhone = s.mobile ?? s.phone;
    employees.push({
      id, name: s.name, resource_id: id, company_id: 1, user_id: s.userId, work_contact_id: s.partnerId, active: s.active,
      work_email: s.email, work_phone: s.phone, mobile_phone: mobilePhone, job_title: rng.pick(JOBS), department_id: null,
      private_email: privateMail, private_phone: privatePhone, private_street: home.street, private_street2: home.street2,
      private_zip: home.zip, private_city: home.city, private_country_id: home.countryId, private_state_id: i % 3 === 0 ? rng.int(1, 12) : null,
      emergency_contact: emergency.name, emergency_phone: emergencyPhone, birthday, place_of_birth: birthPlace, country_of_birth: home.countryId,
      spouse_complete_name: spouse, spouse_birthdate: spouseBirthday, children: spouse ? rng.int(0, 3) : 0, marital: spouse ? 'married' : 'single',
      gender: rng.pick(['male', 'female', 'other']), certificate: rng.pick(['bachelor', 'master', 'graduate']),
      study_field: rng.pick(['Business Administration', 'Computer Science', 'Logistics']), study_school: rng.pick(['UCLouvain', 'KU Leuven', 'Université de Liège']),
      ...ids2, private_car_plate: plate, km_home_work: rng.int(2, 60), pin: String(rng.int(1000, 9999)),
      visa_expire: i % 4 === 0 ? fakeDate(rng, 2025, 2028) : null, work_permit_expiration_date: i % 4 === 0 ? fakeDate(rng, 2025, 2028) : null,
      notes: `Home phone for urgent matters: ${privatePhone}`,
      additional_note: `Emergency: ${emergency.name} (${emergencyPhone}).`,
      departure_description: i % 5 === 4 ? `<p>Left for a position closer to home; forward mail to ${privateMail}</p>` : null,
      employee_properties: JSON.stringify({ '3f1a9c2d0b7e4a51': privateMail, '7b2e4d1090c3f6a2': privatePhone }),
      create_date: when(400), write_date: when(20), create_uid: 2, write_uid: 2,
    });
    resources.push({ id, name: s.name, user_id: s.userId, calendar_id: 1, company_id: 1, resource_type: 'user', tz: 'Europe/Brussels', active: s.active, time_efficiency: 100, create_uid: 2, write_uid: 2, create_date: when(400), write_date: when(20) });
    pl.mark(T, 'name', 'name', 'internal', s.name);
    pl.mark('resource_resource', 'name', 'name', 'internal', s.name);
    pl.mark(T, 'work_email', 'email', 'internal', s.email);
    pl.mark(T, 'work_phone', 'phone', 'internal', s.phone);
    pl.mark(T, 'mobile_phone', 'phone', 'internal', mobilePhone);
    const priv = (column: string, kind: Parameters<Planting['mark']>[2], value: string | null, embedded = false): void => pl.mark(T, column, kind, 'employee_private', value, embedded);
    priv('private_email', 'email', privateMail);
    priv('private_phone', 'phone', privatePhone);
    pl.address(T, home, { street: 'private_street', street2: 'private_street2', zip: 'private_zip', city: 'private_city' }, 'employee_private');
    priv('emergency_contact', 'name', emergency.name);
    priv('emergency_phone', 'phone', emergencyPhone);
    priv('spouse_complete_name', 'name', spouse);
    priv('birthday', 'birthdate', birthday);
    priv('spouse_birthdate', 'birthdate', spouseBirthday);
    priv('place_of_birth', 'address', birthPlace);
    priv('notes', 'phone', privatePhone, true);
    priv('additional_note', 'phone', emergencyPhone, true);
    priv('employee_properties', 'email', privateMail, true);
    priv('employee_properties', 'phone', privatePhone, true);
    for (const [column, value] of Object.entries(ids2)) pl.mark(T, column, 'identity', 'anyone', value);
    pl.mark(T, 'private_car_plate', 'identity', 'anyone', plate);
  }
  await pl.insert(T, employees);
  await pl.insert('resource_resource', resources);
  return ids;
}

/** Leaves with a private reason, company cars, and point-of-sale orders with their cashier. */
export async function writeLeavesCarsAndPos(pl: Planting, staff: readonly Staff[], employeeIds: readonly number[]): Promise<void> {
  const rng = pl.rng.fork('leaves');
  const reasons = ['Dentist appointment', 'Knee surgery at CHU Liège', 'Wedding of my sister', 'Moving house', 'Child sick', 'Funeral of my grandmother'];
  const emp = (i: number): number | null => employeeIds[i % Math.max(1, employeeIds.length)] ?? null;
  const leaves: Row[] = [];
  const allocations: Row[] = [];
  const cars: Row[] = [];
  const orders: Row[] = [];
  for (let i = 0; i < pl.n; i++) {
    const from = fakeDate(rng, 2024, 2024);
    leaves.push({ id: i + 1, employee_id: emp(i), holiday_status_id: 1, private_name: rng.pick(reasons), state: 'validate', holiday_type: 'employee', request_date_from: from, request_date_to: from, date_from: `${from} 07:00:00`, date_to: `${from} 16:00:00`, number_of_days: 1, active: true, company_id: 1, create_uid: 2, write_uid: 2, create_date: when(60), write_date: when(50) });
    allocations.push({ id: i + 1, employee_id: emp(i), holiday_status_id: 1, private_name: rng.pick(['Extra days for seniority', 'Compensation for weekend work on the inventory', 'Parental leave']), state: 'validate', holiday_type: 'employee', allocation_type: 'regular', date_from: '2024-01-01', number_of_days: rng.int(1, 5), active: true, create_uid: 2, write_uid: 2, create_date: when(120), write_date: when(110) });
    const s = staff[i % Math.max(1, staff.length)];
    orders.push({ id: i + 1, name: `Shop/${String(i + 1).padStart(4, '0')}`, pos_reference: `Order 00001-001-${String(i + 1).padStart(4, '0')}`, state: 'done', company_id: 1, session_id: 1, employee_id: emp(i), cashier: s?.name ?? null, amount_total: rng.int(5, 300), amount_tax: 0, amount_paid: 0, amount_return: 0, date_order: when(i), create_uid: s?.userId ?? 2, write_uid: 2, create_date: when(i), write_date: when(i) });
    pl.mark('pos_order', 'cashier', 'name', 'internal', s?.name ?? null);
    if (i < Math.max(5, Math.ceil(pl.n / 2))) {
      const plate = fakePlate(rng, pl.values);
      const vin = fakeVin(rng, pl.values);
      const [brand, model] = rng.pick([['Audi', 'A4'], ['BMW', 'Serie 3'], ['Peugeot', '3008'], ['Tesla', 'Model 3']] as const);
      const driver = s?.partnerId ?? null;
      cars.push({ id: i + 1, name: `${brand}/${model}/${plate}`, license_plate: plate, vin_sn: vin, driver_id: driver, driver_employee_id: emp(i), company_id: 1, active: true, model_year: String(rng.int(2018, 2024)), color: rng.pick(['Black', 'Grey', 'White']), odometer_unit: 'kilometers', create_uid: 2, write_uid: 2, create_date: when(300), write_date: when(30) });
      pl.mark('fleet_vehicle', 'license_plate', 'identity', 'anyone', plate);
      pl.mark('fleet_vehicle', 'vin_sn', 'identity', 'anyone', vin);
      pl.mark('fleet_vehicle', 'name', 'identity', 'anyone', plate, true);
    }
  }
  await pl.insert('hr_leave', leaves);
  await pl.insert('hr_leave_allocation', allocations);
  await pl.insert('fleet_vehicle', cars);
  await pl.insert('pos_order', orders);
}

export async function writeApplicants(pl: Planting): Promise<void> {
  if (!pl.has('hr_applicant')) return;
  const rng = pl.rng.fork('applicants');
  const rows: Row[] = [];
  const messages: Row[] = [];
  let msgId = await pl.nextId('mail_message');
  const T = 'hr_applicant';
  for (let i = 0; i < pl.n; i++) {
    const p = pl.person(i * 3 + 1);
    const id = i + 1;
    const job = rng.pick(JOBS);
    const mobile = i % 3 === 2 ? null : p.mobile;
    const phone = i % 4 === 3 ? null : p.phone;
    const cc = i % 3 === 0 ? pl.person(i * 3 + 2).email : null;
    const linkedin = `https://www.linkedin.com/in/${slug(p.name).replace(/\./g, '-')}-${rng.int(10, 99)}`;
    rows.push({
      id, name: `${job} - ${p.name}`, partner_name: p.name, email_from: p.email, email_normalized: normalizeEmail(p.email), email_cc: cc,
      partner_phone: phone, partner_phone_sanitized: phone ? e164(phone) : null, partner_mobile: mobile, partner_mobile_sanitized: mobile ? e164(mobile) : null,
      phone_sanitized: mobile ? e164(mobile) : phone ? e164(phone) : null, linkedin_profile: linkedin, active: true, company_id: 1, kanban_state: 'normal',
      description: `<p>Applied through the website for ${job}.</p><p>${p.name} — ${p.email} — ${p.mobile}</p>`,
      applicant_properties: JSON.stringify({ '5c1d8e2f3a4b6c70': p.email, '9a0b1c2d3e4f5061': p.mobile }),
      create_uid: 2, write_uid: 2, create_date: when(20 + i), write_date: when(i),
    });
    pl.ext(T, 'partner_name', 'name', p.name);
    pl.ext(T, 'email_from', 'email', p.email);
    pl.ext(T, 'email_normalized', 'email', normalizeEmail(p.email));
    pl.ext(T, 'email_cc', 'email', cc);
    pl.ext(T, 'partner_phone', 'phone', phone);
    pl.ext(T, 'partner_phone_sanitized', 'phone', phone ? e164(phone) : null);
    pl.ext(T, 'partner_mobile', 'phone', mobile);
    pl.ext(T, 'partner_mobile_sanitized', 'phone', mobile ? e164(mobile) : null);
    pl.ext(T, 'phone_sanitized', 'phone', mobile ? e164(mobile) : phone ? e164(phone) : null);
    pl.quoted(T, 'description', 'email', p.email);
    pl.quoted(T, 'description', 'phone', p.mobile);
    pl.quoted(T, 'applicant_properties', 'email', p.email);
    pl.quoted(T, 'applicant_properties', 'phone', p.mobile);
    const from = `"${p.name}" <${p.email}>`;
    messages.push(messageRow(msgId++, {
      model: 'hr.applicant', resId: id, recordName: `${job} - ${p.name}`, type: 'email', from, replyTo: from, authorId: null, days: 20 + i,
      subject: `Application: ${job}`, body: `<p>Dear recruiter,</p><p>Please find my CV attached. You can call me on ${p.mobile}.</p><p>${p.name}</p>`,
    }));
    pl.quoted('mail_message', 'email_from', 'email', p.email);
    pl.quoted('mail_message', 'reply_to', 'email', p.email);
    pl.quoted('mail_message', 'body', 'phone', p.mobile);
    pl.quoted('mail_message', 'record_name', 'name', p.name);
  }
  await pl.insert(T, rows);
  await pl.insert('mail_message', messages);
}
